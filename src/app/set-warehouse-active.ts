import { DomainError } from '../domain/errors.ts';
import { findDeactivationProblem } from '../domain/warehouse-fields.ts';
import { throwIfProblem } from './create-warehouse.ts';
import type { AppDeps, WarehouseRecord } from './ports.ts';

/**
 * Activates or deactivates a warehouse. An inactive warehouse keeps its stock and its reservations
 * but is no longer chosen for new ones. Repeating the same change is a no-op, not an error. The
 * default warehouse cannot be deactivated (seed 000's API writes there).
 */
export async function setWarehouseActive(
  deps: AppDeps,
  id: string,
  active: boolean,
): Promise<WarehouseRecord> {
  if (!active) {
    throwIfProblem(findDeactivationProblem(id));
  }
  const warehouse = await deps.tx.run((uow) => uow.warehouses.setActive(id, active));
  if (warehouse === undefined) {
    throw new DomainError('WAREHOUSE_NOT_FOUND', `warehouse ${id} does not exist`, {
      warehouseId: id,
    });
  }
  return warehouse;
}
