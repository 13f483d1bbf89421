import { SERVER_DATABASES } from '../helpers/server-databases.ts';
import { embeddedQueueContract } from './job-queue.embedded.suite.ts';

// The embedded queue on the database servers, where receivers in several processes take jobs at once
// with `FOR UPDATE SKIP LOCKED` (the SQLite run is next to the adapter).
for (const server of SERVER_DATABASES)
  embeddedQueueContract(`EmbeddedJobQueue on ${server.name}`, async () => {
    const database = await server.create();
    return {
      open: (first) => database.open({ poolSize: 2, migrate: first }),
      drop: database.drop,
      skipLocked: true,
    };
  });
