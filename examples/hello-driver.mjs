// A minimal driver for `spindle submit`: it runs inside the ApplicationMaster's container, prints to
// stdout (shown on your terminal) and stderr, and its exit code decides the application's outcome.
//
//   spindle submit examples/hello-driver.mjs Ada Grace
import { hostname } from 'node:os';

const names = process.argv.slice(2);
console.log(`hello from the driver on ${hostname()}, ${names.length ? names.join(' and ') : 'world'}!`);
console.log(`executors requested: ${process.env.SPINDLE_EXECUTORS ?? '?'} x ${process.env.SPINDLE_EXECUTOR_MEMORY_MB ?? '?'} MB`);
console.error('a note on stderr');
