import { DomainError } from '../domain/errors.ts';
import { findWarehouseFieldProblem } from '../domain/warehouse-fields.ts';
import { throwIfProblem } from './create-warehouse.ts';
import type { AppDeps, WarehouseChanges, WarehouseRecord } from './ports.ts';

export interface UpdateWarehouseCommand {
  readonly name?: string | undefined;
  /** null clears the region. */
  readonly region?: string | null | undefined;
  readonly priority?: number | undefined;
  /** Sent together; both null clears the location. */
  readonly latitude?: number | null | undefined;
  readonly longitude?: number | null | undefined;
  readonly postalPrefixes?: readonly string[] | undefined;
}

/** Changes the given fields of a warehouse (at least one); its active state has its own routes. */
export async function updateWarehouse(
  deps: AppDeps,
  id: string,
  command: UpdateWarehouseCommand,
): Promise<WarehouseRecord> {
  if (Object.values(command).every((value) => value === undefined)) {
    throw new DomainError(
      'VALIDATION_ERROR',
      'request body must have at least one of name, region, priority, latitude and longitude, ' +
        'postal_prefixes',
      { field: 'body' },
    );
  }
  throwIfProblem(findWarehouseFieldProblem(command));
  const changes: WarehouseChanges = {
    name: command.name,
    region: command.region,
    priority: command.priority,
    location: locationOf(command.latitude, command.longitude),
    postalPrefixes: command.postalPrefixes,
  };
  const updated = await deps.tx.run((uow) => uow.warehouses.update(id, changes));
  if (updated === undefined) {
    throw new DomainError('WAREHOUSE_NOT_FOUND', `warehouse ${id} does not exist`, {
      warehouseId: id,
    });
  }
  return updated;
}

function locationOf(
  latitude: number | null | undefined,
  longitude: number | null | undefined,
): WarehouseChanges['location'] {
  if (latitude === undefined || longitude === undefined) {
    return undefined;
  }
  if (latitude === null || longitude === null) {
    return null;
  }
  return { latitude, longitude };
}
