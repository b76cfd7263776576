// The floor workflows' worker as its own process (scripts/bench/stack.ts starts it), so the CPU it spends
// is read from /proc apart from the load driver's: TEMPORAL_ADDRESS, TASK_QUEUE and FLOOR_BUNDLE_PATH
// (the bundle the bench built). Runs until SIGTERM/SIGINT, which the SDK turns into a graceful shutdown.
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { dataConverter } from '../../codec/data-converter.js';
import { floorActivities } from './floor-activities.js';

const need = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};
Runtime.install({ logger: new DefaultLogger('ERROR') });
const connection = await NativeConnection.connect({ address: need('TEMPORAL_ADDRESS') });
const worker = await Worker.create({
  connection,
  taskQueue: need('TASK_QUEUE'),
  dataConverter: dataConverter(),
  workflowBundle: { codePath: need('FLOOR_BUNDLE_PATH') },
  activities: floorActivities,
});
console.log(JSON.stringify({ level: 'info', msg: 'worker started', taskQueue: worker.options.taskQueue }));
await worker.run();
await connection.close();
