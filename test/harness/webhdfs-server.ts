/**
 * A loopback server speaking the WebHDFS subset the HDFS source uses (no HDFS runs here):
 *  - NameNode: GET /webhdfs/v1/{path}?op=GETFILESTATUS → FileStatus JSON;
 *              GET /webhdfs/v1/{path}?op=OPEN[&offset=N] → 307 to a DataNode URL.
 *  - DataNode (a second server, another origin): serves the bytes from the offset.
 * Errors are RemoteException JSON, as Hadoop sends them.
 */
import type { ServerResponse } from 'node:http';
import { listen, sendBytes, sendJson, type DropPlan } from './http-util.js';

export interface WebHdfsServerOptions {
  /** Absolute HDFS paths → content. Every parent folder of a file exists as a directory. */
  readonly files: Readonly<Record<string, Buffer>>;
  /** When set, requests without user.name get 401 and other users 403. */
  readonly requireUser?: string;
  /** Cut DataNode responses short. */
  readonly dropReads?: DropPlan;
  /** Modification time reported for every file. */
  readonly modificationTime?: number;
}

export interface WebHdfsRequest {
  readonly server: 'namenode' | 'datanode';
  readonly op: string | null;
  readonly path: string;
  readonly offset: number;
  readonly user: string | null;
}

export interface WebHdfsServer {
  /** host:port of the NameNode, for hdfs://{authority}/path. */
  readonly authority: string;
  readonly requests: WebHdfsRequest[];
  stop(): Promise<void>;
}

const PREFIX = '/webhdfs/v1';

function remoteException(res: ServerResponse, status: number, exception: string, message: string): void {
  sendJson(res, status, { RemoteException: { exception, javaClassName: `org.apache.hadoop.${exception}`, message } });
}

export async function startWebHdfsServer(options: WebHdfsServerOptions): Promise<WebHdfsServer> {
  const requests: WebHdfsRequest[] = [];
  const isDirectory = (p: string): boolean => Object.keys(options.files).some((f) => f.startsWith(`${p.replace(/\/$/, '')}/`));
  const parse = (server: WebHdfsRequest['server'], rawUrl: string | undefined) => {
    const url = new URL(rawUrl ?? '/', 'http://loopback');
    const path = decodeURIComponent(url.pathname.slice(PREFIX.length)) || '/';
    const entry: WebHdfsRequest = {
      server,
      op: url.searchParams.get('op'),
      path,
      offset: Number(url.searchParams.get('offset') ?? 0),
      user: url.searchParams.get('user.name'),
    };
    requests.push(entry);
    return { url, entry };
  };

  const datanode = await listen((req, res) => {
    const { entry } = parse('datanode', req.url);
    const content = options.files[entry.path];
    if (!content || entry.op !== 'OPEN') {
      remoteException(res, 404, 'FileNotFoundException', `File ${entry.path} not found.`);
      return;
    }
    sendBytes(res, content.subarray(entry.offset), 'application/octet-stream', options.dropReads);
  });

  const namenode = await listen((req, res) => {
    const { url, entry } = parse('namenode', req.url);
    if (!url.pathname.startsWith(PREFIX)) {
      sendJson(res, 404, { error: 'not a WebHDFS path' });
      return;
    }
    if (options.requireUser && entry.user === null) {
      remoteException(res, 401, 'SecurityException', 'Failed to obtain user group information: java.io.IOException: Security enabled but user not authenticated by filter');
      return;
    }
    if (options.requireUser && entry.user !== options.requireUser) {
      remoteException(res, 403, 'AccessControlException', `Permission denied: user=${entry.user}, access=READ, inode="${entry.path}"`);
      return;
    }
    const content = options.files[entry.path];
    if (entry.op === 'GETFILESTATUS') {
      if (!content && !isDirectory(entry.path)) {
        remoteException(res, 404, 'FileNotFoundException', `File does not exist: ${entry.path}`);
        return;
      }
      sendJson(res, 200, {
        FileStatus: {
          accessTime: 0,
          blockSize: 134217728,
          group: 'supergroup',
          length: content ? content.length : 0,
          modificationTime: options.modificationTime ?? 1_556_668_800_000,
          owner: 'hdfs',
          pathSuffix: '',
          permission: '644',
          replication: content ? 3 : 0,
          type: content ? 'FILE' : 'DIRECTORY',
        },
      });
      return;
    }
    if (entry.op === 'OPEN') {
      if (!content) {
        remoteException(res, 404, 'FileNotFoundException', `File does not exist: ${entry.path}`);
        return;
      }
      if (entry.offset > content.length) {
        remoteException(res, 400, 'IOException', `Offset=${entry.offset} out of the range [0, ${content.length})`);
        return;
      }
      const location = `${datanode.baseUrl}${url.pathname}?op=OPEN&namenoderpcaddress=namenode:8020&offset=${entry.offset}`;
      res.writeHead(307, { location, 'content-length': 0 });
      res.end();
      return;
    }
    remoteException(res, 400, 'IllegalArgumentException', `Invalid value for webhdfs parameter "op": ${entry.op}`);
  });

  return {
    authority: namenode.baseUrl.replace(/^http:\/\//, ''),
    requests,
    stop: async () => {
      await Promise.all([namenode.stop(), datanode.stop()]);
    },
  };
}
