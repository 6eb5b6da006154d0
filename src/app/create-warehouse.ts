import { DomainError } from '../domain/errors.ts';
import {
  findDeactivationProblem,
  findWarehouseFieldProblem,
  WAREHOUSE_PRIORITY_DEFAULT,
  type WarehouseFieldProblem,
  type WarehouseSpec,
} from '../domain/warehouse-fields.ts';
import type { AppDeps, WarehouseRecord } from './ports.ts';

export interface CreateWarehouseCommand {
  readonly id: string;
  readonly name: string;
  readonly region?: string | null | undefined;
  /** Lower is served first; WAREHOUSE_PRIORITY_DEFAULT when absent. */
  readonly priority?: number | undefined;
  readonly active?: boolean | undefined;
  readonly latitude?: number | null | undefined;
  readonly longitude?: number | null | undefined;
  readonly postalPrefixes?: readonly string[] | undefined;
}

/** Creates a warehouse; WAREHOUSE_ALREADY_EXISTS when the id is taken (nothing is overwritten). */
export async function createWarehouse(
  deps: AppDeps,
  command: CreateWarehouseCommand,
): Promise<WarehouseRecord> {
  const spec: WarehouseSpec = {
    id: command.id,
    name: command.name,
    region: command.region ?? null,
    priority: command.priority ?? WAREHOUSE_PRIORITY_DEFAULT,
    latitude: command.latitude ?? null,
    longitude: command.longitude ?? null,
    postalPrefixes: command.postalPrefixes ?? [],
  };
  // The command's own coordinates, so one given without the other is named as such.
  throwIfProblem(
    findWarehouseFieldProblem({
      ...spec,
      latitude: command.latitude,
      longitude: command.longitude,
    }),
  );
  const active = command.active ?? true;
  if (!active) {
    throwIfProblem(findDeactivationProblem(spec.id));
  }
  const created = await deps.tx.run((uow) => uow.warehouses.insert({ ...spec, active }));
  if (created === undefined) {
    throw new DomainError('WAREHOUSE_ALREADY_EXISTS', `warehouse ${spec.id} already exists`, {
      field: 'id',
      warehouseId: spec.id,
    });
  }
  return created;
}

/** Turns a broken field rule into the VALIDATION_ERROR that names the field. */
export function throwIfProblem(problem: WarehouseFieldProblem | undefined): void {
  if (problem !== undefined) {
    throw new DomainError('VALIDATION_ERROR', problem.message, { field: problem.field });
  }
}
