/**
 * putIfAbsent's handling of answers no local S3 server produces on demand: 409
 * ConditionalRequestConflict (AWS, during concurrent conditional writes) and a 412 that follows a
 * lost success. The client is a scripted stand-in; the real server paths are covered by the
 * integration contract suite.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { parseS3Settings } from '../../src/adapters/storage/s3-settings.js';
import { S3ObjectStore } from '../../src/adapters/storage/s3-store.js';

type Answer = { ok: unknown } | { error: unknown };

function scriptedStore(answers: Record<string, Answer[]>) {
  const calls: string[] = [];
  const client = {
    send: async (command: object) => {
      const name = command.constructor.name.replace(/Command$/, '');
      calls.push(name);
      const answer = answers[name]?.shift();
      if (!answer) throw new Error(`unexpected ${name}`);
      if ('error' in answer) throw answer.error;
      return answer.ok;
    },
    destroy: () => undefined,
  } as unknown as S3Client;
  const settings = parseS3Settings({ endpoint: 'http://127.0.0.1:9', accessKeyId: 'a', secretAccessKey: 'b' });
  return { store: new S3ObjectStore({ bucket: 'bucket', prefix: 'p' }, settings, { client }), calls };
}

const s3Error = (name: string, status: number, attempts = 1) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status, attempts } });

describe('S3ObjectStore.putIfAbsent edge answers', () => {
  it('retries after 409 ConditionalRequestConflict and reports the 412 that follows as "not created"', async () => {
    const { store, calls } = scriptedStore({
      HeadBucket: [{ ok: {} }],
      PutObject: [{ error: s3Error('ConditionalRequestConflict', 409) }, { error: s3Error('PreconditionFailed', 412) }],
    });
    expect(await store.putIfAbsent('lock', 'me')).toBe(false);
    expect(calls).toEqual(['HeadBucket', 'PutObject', 'PutObject']);
  });

  it('creates the object when the retry after a conflict succeeds', async () => {
    const { store } = scriptedStore({
      HeadBucket: [{ ok: {} }],
      PutObject: [{ error: s3Error('ConditionalRequestConflict', 409) }, { ok: {} }],
    });
    expect(await store.putIfAbsent('lock', 'me')).toBe(true);
  });

  it('gives way when the conflict persists', async () => {
    const conflicts = Array.from({ length: 6 }, () => ({ error: s3Error('ConditionalRequestConflict', 409) }));
    const { store, calls } = scriptedStore({ HeadBucket: [{ ok: {} }], PutObject: conflicts });
    expect(await store.putIfAbsent('lock', 'me')).toBe(false);
    expect(calls.filter((c) => c === 'PutObject')).toHaveLength(6);
  });

  it('claims the object when a retried request meets its own earlier, lost success', async () => {
    const { store } = scriptedStore({
      HeadBucket: [{ ok: {} }],
      PutObject: [{ error: s3Error('PreconditionFailed', 412, 2) }],
      GetObject: [{ ok: { Body: { transformToByteArray: async () => new Uint8Array(Buffer.from('me')) } } }],
    });
    expect(await store.putIfAbsent('lock', 'me')).toBe(true);
  });

  it('does not claim an object another caller wrote', async () => {
    const { store } = scriptedStore({
      HeadBucket: [{ ok: {} }],
      PutObject: [{ error: s3Error('PreconditionFailed', 412, 2) }],
      GetObject: [{ ok: { Body: { transformToByteArray: async () => new Uint8Array(Buffer.from('someone else')) } } }],
    });
    expect(await store.putIfAbsent('lock', 'me')).toBe(false);
  });
});
