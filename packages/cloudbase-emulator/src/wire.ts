import busboy from 'busboy';
import * as protobuf from 'protobufjs';

const openApiProto = protobuf.Root.fromJSON({
  nested: {
    KeyValuePair: {
      fields: {
        key: { type: 'string', id: 1 },
        value: { type: 'bytes', id: 2 },
        contenttype: { type: 'string', id: 3 },
        filename: { type: 'string', id: 4 },
      },
    },
    OpenApiData: {
      fields: { pairs: { rule: 'repeated', type: 'KeyValuePair', id: 1 } },
    },
    CommApiData: {
      fields: {
        apiType: { type: 'ApiType', id: 1 },
        openapiData: { type: 'OpenApiData', id: 2 },
        appid: { type: 'string', id: 6 },
      },
      nested: {
        ApiType: { values: { OPEN_API: 0, INNER_API: 1, SVRKIT_API: 2, TOKEN_API: 3 } },
      },
    },
    CommOpenApiResp: {
      fields: {
        respData: { type: 'bytes', id: 1 },
        contentType: { type: 'string', id: 2 },
        errorCode: { type: 'int32', id: 3 },
        httpCode: { type: 'uint32', id: 4 },
      },
    },
  },
});

/** wx-server-sdk's request message (`CommApiData`, fields 3–5 of other API kinds left out). */
export const CommApiData = openApiProto.lookupType('CommApiData');
/** The gateway's reply message for a cloud call. */
export const CommOpenApiResp = openApiProto.lookupType('CommOpenApiResp');

/** `CommApiData.apiType` of an ordinary open API. */
export const OPEN_API_TYPE = 0;

/** The content type WeChat gives its JSON replies; the SDK parses `respData` as JSON when it matches. */
export const WECHAT_JSON_CONTENT_TYPE = 'application/json; encoding=utf-8';

/** The content type that makes @cloudbase/node-sdk read a raw gateway reply as a JSON error object. */
export const GATEWAY_JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** The error of a request that could not be understood; the server answers it as the gateway's INVALID_PARAM. */
export class WireFormatError extends Error {}

/** The fields of a `wx.openApi` multipart request. */
export interface CloudCallForm {
  fields: Map<string, string>;
  files: Map<string, Buffer>;
}

/**
 * Parses a multipart/form-data body. Parts with a file name or of type application/octet-stream
 * (wx-server-sdk's `requestData`) are kept as bytes, the others as text.
 * @throws WireFormatError when the body is not valid multipart for `contentType`
 */
export function parseMultipart(body: Buffer, contentType: string): Promise<CloudCallForm> {
  return new Promise((resolve, reject) => {
    const fields = new Map<string, string>();
    const files = new Map<string, Buffer>();
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: { 'content-type': contentType }, limits: { fieldSize: Math.max(1, body.length), parts: 64 } });
    } catch (error) {
      reject(new WireFormatError(`invalid multipart request: ${(error as Error).message}`));
      return;
    }
    let failure: WireFormatError | undefined;
    const fail = (message: string): void => {
      failure ??= new WireFormatError(message);
    };
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated || info.nameTruncated) fail(`multipart field ${name} is too long`);
      fields.set(name, value);
    });
    const fileReads: Promise<void>[] = [];
    parser.on('file', (name, stream) => {
      fileReads.push(
        new Promise((fileRead) => {
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            files.set(name, Buffer.concat(chunks));
            fileRead();
          });
          stream.on('error', () => fileRead());
          stream.on('close', () => fileRead());
        }),
      );
    });
    parser.on('partsLimit', () => fail('too many multipart parts'));
    parser.on('error', (error: Error) => reject(new WireFormatError(`invalid multipart request: ${error.message}`)));
    parser.on('close', () => {
      void Promise.all(fileReads).then(() => (failure ? reject(failure) : resolve({ fields, files })));
    });
    parser.end(body);
  });
}

/** The decoded open-API arguments: snake_case key → the JSON value the SDK sent. */
export type OpenApiArguments = Map<string, unknown>;

/**
 * Decodes the `requestData` protobuf of a cloud call into its arguments. A value that is not JSON text is
 * kept as its raw string.
 * @throws WireFormatError when the bytes are not a `CommApiData` of an open API
 */
export function decodeOpenApiRequest(requestData: Buffer): OpenApiArguments {
  let message: protobuf.Message;
  try {
    message = CommApiData.decode(requestData);
  } catch (error) {
    throw new WireFormatError(`requestData is not a CommApiData protobuf: ${(error as Error).message}`);
  }
  const decoded = CommApiData.toObject(message, { defaults: true }) as {
    apiType: number;
    openapiData?: { pairs?: Array<{ key: string; value: Uint8Array }> };
  };
  if (decoded.apiType !== OPEN_API_TYPE) throw new WireFormatError(`unsupported apiType ${decoded.apiType}`);
  const args: OpenApiArguments = new Map();
  for (const pair of decoded.openapiData?.pairs ?? []) {
    const text = Buffer.from(pair.value).toString('utf8');
    try {
      args.set(pair.key, JSON.parse(text));
    } catch {
      args.set(pair.key, text);
    }
  }
  return args;
}

/** Encodes a `CommOpenApiResp` carrying WeChat's JSON reply text. */
export function encodeWeChatReply(jsonText: string | Buffer): Buffer {
  return encodeReply({
    respData: Buffer.isBuffer(jsonText) ? jsonText : Buffer.from(jsonText, 'utf8'),
    contentType: WECHAT_JSON_CONTENT_TYPE,
    errorCode: 0,
    httpCode: 200,
  });
}

/** Encodes a `CommOpenApiResp` with a gateway error code (e.g. -604101) and no WeChat reply. */
export function encodeGatewayError(errorCode: number): Buffer {
  return encodeReply({ respData: Buffer.alloc(0), contentType: '', errorCode, httpCode: 200 });
}

function encodeReply(fields: { respData: Buffer; contentType: string; errorCode: number; httpCode: number }): Buffer {
  return Buffer.from(CommOpenApiResp.encode(CommOpenApiResp.fromObject(fields)).finish());
}

/** Decodes a `CommOpenApiResp` (for tests and tools that talk to the emulator without the SDK). */
export function decodeOpenApiReply(body: Uint8Array): { respData: Buffer; contentType: string; errorCode: number; httpCode: number } {
  const decoded = CommOpenApiResp.toObject(CommOpenApiResp.decode(body), { defaults: true }) as {
    respData: Uint8Array;
    contentType: string;
    errorCode: number;
    httpCode: number;
  };
  return { ...decoded, respData: Buffer.from(decoded.respData) };
}

/** Encodes a `CommApiData` for an open-API call the way wx-server-sdk does (for tests and tools). */
export function encodeOpenApiRequest(args: Record<string, unknown>): Buffer {
  const pairs = Object.entries(args).map(([key, value]) => ({ key, value: Buffer.from(JSON.stringify(value), 'utf8') }));
  return Buffer.from(CommApiData.encode(CommApiData.fromObject({ apiType: OPEN_API_TYPE, openapiData: { pairs } })).finish());
}
