/**
 * TEST-ONLY fault injection for the durability test of local transactions; never set it otherwise.
 * `LOCAL_DYNAMODB_FAULT=kill-after-transaction-writes:N` SIGKILLs the local runtime right after the
 * N-th write of a transaction reached the store, i.e. mid-transaction, with no chance to clean up.
 */
export function afterTransactionWrite(writesApplied: number): void {
  const match = /^kill-after-transaction-writes:(\d+)$/.exec(process.env.LOCAL_DYNAMODB_FAULT ?? '');
  if (match && Number(match[1]) === writesApplied) process.kill(process.pid, 'SIGKILL');
}
