/**
 * One Lambda instance's runtime: a tiny runtime interface client in plain JavaScript, so that no
 * TypeScript loader runs in the instance and Init Duration measures only what Lambda's would: importing
 * the bundle and running its module scope. The parent (instance.ts) forks it with the function's
 * environment and talks over IPC, one invocation at a time:
 *   → { type: 'invoke', requestId, event, deadline }   (deadline: epoch ms, as Lambda's)
 *   ← { type: 'ready', initMs }                          once, after the bundle's import
 *   ← { type: 'init-error', errorType, errorMessage }    then exits
 *   ← { type: 'result', requestId, payload, durationMs, maxRssKb }   payload: the response JSON text; maxRssKb: peak RSS
 *   ← { type: 'error', requestId, errorType, errorMessage, durationMs, maxRssKb }
 * An uncaught exception or unhandled rejection ends the process, as in Lambda's Node.js runtime; the
 * parent reports the invocation as failed (Runtime.ExitError).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

/** Lambda's synchronous response limit: 6 MiB + 100 bytes (Lambda's own figure in its error). */
const MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100;

/** Ends an invocation's output on stdout and stderr (instance.ts removes these lines). */
const FLUSH_MARK = '\u001e__lambda_invocation_output_end__ ';

const taskRoot = process.env.LAMBDA_TASK_ROOT;
const [moduleName, exportName] = (process.env._HANDLER ?? 'index.handler').split('.');

function describe(error) {
  return {
    errorType: error instanceof Error ? error.name : 'Error',
    errorMessage: error instanceof Error ? error.message : String(error),
  };
}

/**
 * The process's peak resident set, in KB: Lambda's "Max Memory Used". On Linux from VmHWM, the peak of
 * this process's own memory: `resourceUsage().maxRSS` would be wrong there, since Linux carries the
 * forked parent's peak across the exec, so every instance would report at least the runtime's own size.
 */
function peakRssKb() {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
}

function send(message) {
  process.send?.(message);
}

let handler;
try {
  const file = ['.mjs', '.js', '.cjs'].map((ext) => join(taskRoot, `${moduleName}${ext}`)).find((f) => existsSync(f));
  if (!file) throw Object.assign(new Error(`Cannot find module '${moduleName}'`), { name: 'Runtime.ImportModuleError' });
  const module = await import(pathToFileURL(file).href);
  handler = module[exportName];
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${moduleName}.${exportName} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
  }
} catch (error) {
  send({ type: 'init-error', ...describe(error) });
  process.exitCode = 1;
  process.disconnect?.();
}

function context(requestId, deadline) {
  const fail = () => {
    throw new Error('Callbacks are not supported: handlers are async');
  };
  const name = process.env.AWS_LAMBDA_FUNCTION_NAME;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: name,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${name}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: fail,
    fail,
    succeed: fail,
  };
}

// The runtime that started this instance is gone (killed, crashed): the sandbox goes with it, even with
// a handler still running, so no orphan keeps writing to the table.
process.on('disconnect', () => process.exit());

if (handler) {
  process.on('message', async (message) => {
    if (message?.type !== 'invoke') return;
    const { requestId, event, deadline } = message;
    const started = performance.now();
    const finish = (body) => {
      const durationMs = performance.now() - started;
      // A marker after the invocation's output on both streams (pipe writes are synchronous on Linux),
      // so the parent writes END and REPORT after the function's last line, as Lambda's log has them.
      process.stdout.write(`${FLUSH_MARK}${requestId}\n`);
      process.stderr.write(`${FLUSH_MARK}${requestId}\n`);
      send({ requestId, durationMs, maxRssKb: peakRssKb(), ...body });
    };
    let payload;
    try {
      const result = await handler(event, context(requestId, deadline));
      payload = JSON.stringify(result ?? null);
    } catch (error) {
      const described = describe(error);
      // Lambda's Node.js runtime logs a handler's error this way before reporting it.
      console.error(`${new Date().toISOString()}\t${requestId}\tERROR\tInvoke Error \t${JSON.stringify(described)}`);
      return finish({ type: 'error', ...described });
    }
    const bytes = Buffer.byteLength(payload);
    if (bytes > MAX_RESPONSE_BYTES) {
      // What the runtime logs when Lambda refuses the response it posts (HTTP 413 from the Runtime API).
      console.error(
        `${new Date().toISOString()}\t${requestId}\tERROR\tLAMBDA_RUNTIME Failed to post handler success response. Http response code: 413. ` +
          `{"errorMessage":"Exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).","errorType":"RequestEntityTooLarge"}`,
      );
      return finish({
        type: 'error',
        errorType: 'Function.ResponseSizeTooLarge',
        errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
      });
    }
    finish({ type: 'result', payload });
  });
    // Since the process started (performance's time origin): Node's own start-up is part of Lambda's
  // Init Duration too, as its runtime's bootstrap is.
  send({ type: 'ready', initMs: performance.now() });
}
