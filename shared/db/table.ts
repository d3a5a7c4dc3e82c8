/**
 * The table's key definition: read by the CDK stack and by the local runtime's CreateTable, so both
 * build the same table. Only the repository knows what goes into the keys.
 */
export const TABLE_KEYS = {
  partitionKey: { name: 'PK', type: 'S' },
  sortKey: { name: 'SK', type: 'S' },
} as const;

export const DEFAULT_TABLE_NAME = 'management-apps';
