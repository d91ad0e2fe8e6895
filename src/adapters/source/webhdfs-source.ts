/**
 * `hdfs://namenode:port/path[?user.name=NAME]`: one file on HDFS, read over WebHDFS (REST over
 * HTTP, so no Hadoop client is needed). The port is the NameNode's HTTP port (9870 by default).
 *
 * Subset used: GETFILESTATUS for the size and modification time, then OPEN, which the NameNode
 * answers with a 307 redirect to a DataNode that serves the bytes. A dropped connection resumes
 * with OPEN&offset=N. Errors come back as RemoteException JSON and become one-line messages.
 */
import { z } from 'zod';
import type { DatasetSource, OpenedDataset } from '../../ports/dataset-source.js';
import type { Logger } from '../../ports/logger.js';
import {
  fetchJson,
  getFollowingRedirects,
  HttpStatusError,
  isTransient,
  resumableStream,
  webBodyToNode,
  type HttpOptions,
} from './http-download.js';
import type { Env } from './kaggle-credentials.js';
import { redactUri } from './redact-uri.js';
import { oneLine, SourceCredentialsError, SourceError } from './source-error.js';

export const WEBHDFS_DEFAULT_PORT = 9870;

export interface WebHdfsSourceDeps {
  readonly env: Env;
  readonly logger: Logger;
  readonly http?: HttpOptions;
}

const FileStatusAnswer = z.object({
  FileStatus: z.object({
    length: z.number().int().nonnegative(),
    modificationTime: z.number().int().nonnegative(),
    type: z.enum(['FILE', 'DIRECTORY', 'SYMLINK']),
  }),
});

const RemoteExceptionAnswer = z.object({
  RemoteException: z.object({ exception: z.string().optional(), javaClassName: z.string().optional(), message: z.string().optional() }),
});

/** `FileNotFoundException: File does not exist: /x` from a RemoteException body, if it is one. */
export function explainRemoteException(_status: number, body: string): string | undefined {
  try {
    const parsed = RemoteExceptionAnswer.safeParse(JSON.parse(body));
    if (!parsed.success) return undefined;
    const { exception, javaClassName, message } = parsed.data.RemoteException;
    return oneLine(`${exception ?? javaClassName ?? 'RemoteException'}: ${message ?? 'no message'}`);
  } catch {
    return undefined;
  }
}

export class WebHdfsSource implements DatasetSource {
  readonly uri: string;
  private readonly endpoint: string;
  private readonly hdfsPath: string;
  private readonly user: string | undefined;

  constructor(
    uri: string,
    private readonly deps: WebHdfsSourceDeps,
  ) {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new SourceError(`invalid HDFS URI "${uri}": expected hdfs://namenode:port/path/file.csv`);
    }
    if (url.protocol !== 'hdfs:' || !url.hostname || url.pathname.length <= 1) {
      throw new SourceError(`invalid HDFS URI "${uri}": expected hdfs://namenode:port/path/file.csv`);
    }
    this.endpoint = `http://${url.hostname}:${url.port || WEBHDFS_DEFAULT_PORT}`;
    this.hdfsPath = decodeURIComponent(url.pathname);
    this.user = url.searchParams.get('user.name') ?? deps.env.HADOOP_USER_NAME ?? undefined;
    this.uri = redactUri(uri);
  }

  async open(): Promise<OpenedDataset> {
    const status = await this.fileStatus();
    if (status.type !== 'FILE') {
      throw new SourceError(`${this.uri}: is a ${status.type.toLowerCase()}, not a file; the HDFS source reads one file`);
    }
    const stream = resumableStream(`WebHDFS ${this.uri}: read`, {
      ...this.deps.http,
      totalBytes: status.length,
      openAt: async (offset) => {
        try {
          const response = await getFollowingRedirects({ url: this.operationUrl('OPEN', { offset: String(offset) }), explainError: explainRemoteException }, this.deps.http);
          return webBodyToNode(response);
        } catch (err) {
          throw isTransient(err) ? err : this.explain(err);
        }
      },
    });
    return { stream, uri: this.uri, version: `${status.modificationTime}-${status.length}`, size: status.length };
  }

  private async fileStatus(): Promise<z.infer<typeof FileStatusAnswer>['FileStatus']> {
    try {
      const answer = await fetchJson(
        `WebHDFS ${this.uri}: file status`,
        { url: this.operationUrl('GETFILESTATUS'), explainError: explainRemoteException },
        FileStatusAnswer,
        this.deps.http,
      );
      return answer.FileStatus;
    } catch (err) {
      throw this.explain(err);
    }
  }

  private operationUrl(op: string, extra: Record<string, string> = {}): string {
    const encodedPath = this.hdfsPath.split('/').map(encodeURIComponent).join('/');
    const query = new URLSearchParams({ op, ...extra });
    if (this.user) query.set('user.name', this.user);
    return `${this.endpoint}/webhdfs/v1${encodedPath}?${query.toString()}`;
  }

  private explain(err: unknown): unknown {
    if (!(err instanceof HttpStatusError)) return err;
    const detail = err.detail || `HTTP ${err.status}`;
    if (err.status === 401) {
      return new SourceCredentialsError(
        `WebHDFS ${this.uri}: authentication required (${detail}): set user.name in the URI (?user.name=NAME) or HADOOP_USER_NAME`,
      );
    }
    return new SourceError(`WebHDFS ${this.uri}: ${detail} (HTTP ${err.status})`);
  }
}
