// A worker on the shared dev server with recording activities and its own task queue, for workflow
// tests that assert exactly what a contract asked to persist and deliver.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { withNoticeWorker } from './workers.js';
import { shared } from './context.js';
import { createRecorder, type Recorder } from './recording-activities.js';
import { quietRuntime } from './runtime.js';
import { dataConverter } from '../../codec/data-converter.js';

export interface RecordingWorker {
  client: Client;
  taskQueue: string;
  recorder: Recorder;
  stop(): Promise<void>;
}

export async function startRecordingWorker(taskQueue = `wf-${randomUUID()}`): Promise<RecordingWorker> {
  quietRuntime();
  const recorder = createRecorder();
  const native = await NativeConnection.connect({ address: shared('temporalAddress') });
  const connection = await Connection.connect({ address: shared('temporalAddress') });
  const worker = await withNoticeWorker(await Worker.create({
    connection: native,
    taskQueue,
    dataConverter: dataConverter(),
    workflowBundle: { codePath: shared('workflowBundlePath') },
    activities: recorder.activities,
  }), native, recorder.activities);
  const running = worker.run();
  return {
    client: new Client({ connection, dataConverter: dataConverter() }),
    taskQueue,
    recorder,
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
      await native.close();
    },
  };
}
