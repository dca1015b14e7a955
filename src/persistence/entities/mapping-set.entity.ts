import { EntitySchema } from '@mikro-orm/core';
import { epochMillis, optionalText } from './column-types';

export class MappingSetRow {
  tenantId!: string;
  connectionId!: string;
  version!: number;
  definition!: Record<string, unknown>;
  state!: string;
  schemaVersion!: number;
  author!: string;
  comment?: string | null;
  report?: Record<string, unknown> | null;
  createdAt!: number;
  validatedAt?: number | null;
  activatedAt?: number | null;
}

/** Versions of a connection's mapping set: draft -> validated -> active -> superseded. */
export const MappingSetEntity = new EntitySchema<MappingSetRow>({
  class: MappingSetRow,
  tableName: 'mapping_sets',
  properties: {
    tenantId: { type: 'string', length: 36, primary: true },
    connectionId: { type: 'string', length: 36, primary: true },
    version: { type: 'integer', primary: true },
    definition: { type: 'json' },
    state: { type: 'string', length: 20 },
    schemaVersion: { type: 'integer' },
    author: { type: 'string', length: 200 },
    comment: optionalText(2000),
    report: { type: 'json', nullable: true },
    createdAt: epochMillis(),
    validatedAt: { ...epochMillis(), nullable: true },
    activatedAt: { ...epochMillis(), nullable: true },
  },
});
