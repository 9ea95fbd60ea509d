import path from 'path';

/**
 * One `require` in the bundled SDK that the build defers to first use: the statement is replaced in the
 * bundle (the SDK on disk stays as installed), so the module behind it is evaluated only if a function
 * reaches the feature that uses it.
 */
export interface LazyRequire {
  /** The file under node_modules that holds the statement. */
  file: string;
  /** The statement as the SDK has it: the build fails unless it stands in `file` exactly once. */
  statement: string;
  /** What the bundle has instead. */
  replacement: string;
  /** The packages this keeps out of every function's path: the tests fail if one of them is evaluated there. */
  packages: readonly string[];
  /** What the SDK uses the module for: none of it is on our functions' paths. */
  usedFor: string;
}

/** The module that makes the stand-ins; bundled into each function. */
export const LAZY_REQUIRE_HELPER = path.join(__dirname, 'lazy-require.js');
const helper = `require(${JSON.stringify(LAZY_REQUIRE_HELPER)})`;

/** `const x_1 = EXPRESSION;` becomes `const x_1 = lazyModule(() => EXPRESSION);` (likewise `var`). */
function deferred(file: string, statement: string, packages: readonly string[], usedFor: string): LazyRequire {
  const match = /^(const|var) (\w+) = (.+);$/.exec(statement);
  if (!match) throw new Error(`not a single require statement: ${statement}`);
  return { file, statement, replacement: `${match[1]} ${match[2]} = ${helper}.lazyModule(() => ${match[3]});`, packages, usedFor };
}

const NODE_SDK = '@cloudbase/node-sdk/dist';

/**
 * Every require the build defers, in one place. The versions they were read from are pinned by the
 * root package.json (wx-server-sdk 4.0.2, which pins @cloudbase/node-sdk 3.17.2); a newer SDK whose text
 * differs stops the build, and the list is to be read again against it.
 */
export const LAZY_REQUIRES: readonly LazyRequire[] = [
  deferred(
    `${NODE_SDK}/cloudbase.js`,
    'const axios_1 = __importDefault(require("axios"));',
    ['axios', 'follow-redirects'],
    'the `requestClient` shim for CloudBase extensions',
  ),
  deferred(
    `${NODE_SDK}/utils/metadata.js`,
    'const axios_1 = __importDefault(require("axios"));',
    ['axios', 'follow-redirects'],
    'reading the cloud instance metadata server, when no secret is in the environment',
  ),
  {
    file: `${NODE_SDK}/cloudbase.js`,
    statement: 'const wx_cloud_client_sdk_1 = __importDefault(require("@cloudbase/wx-cloud-client-sdk"));',
    // cloud.init() builds the data-model client (`cloudbase.models`) at once; it is built on first use
    // instead. At load the client SDK also reads globalThis.Headers, which makes Node load its fetch.
    replacement: [
      `const wx_cloud_client_sdk_real = ${helper}.lazyModule(() => __importDefault(require("@cloudbase/wx-cloud-client-sdk")));`,
      'const wx_cloud_client_sdk_1 = { default: {',
      `  generateHTTPClient: (...args) => ${helper}.lazyModule(() => wx_cloud_client_sdk_real.default.generateHTTPClient(...args)),`,
      '  generateMySQLClient: (...args) => wx_cloud_client_sdk_real.default.generateMySQLClient(...args),',
      '} };',
    ].join('\n'),
    packages: ['@cloudbase/wx-cloud-client-sdk'],
    usedFor: 'data models (`cloudbase.models`) and MySQL (`cloudbase.rdb`)',
  },
  deferred(`${NODE_SDK}/cloudbase.js`, 'const ai_1 = require("./ai");', [
    '@cloudbase/ai',
    '@cloudbase/app',
    '@cloudbase/utilities',
    '@cloudbase/adapter-interface',
    '@cloudbase/adapter-wx_mp',
    'jwt-decode',
    'text-encoding-shim',
    'web-streams-polyfill',
    '@mattiasbuelens/web-streams-adapter',
  ], 'the AI client (`cloudbase.ai()`)'),
  deferred(
    `${NODE_SDK}/auth/index.js`,
    'const jsonwebtoken_1 = __importDefault(require("jsonwebtoken"));',
    [
      'jsonwebtoken',
      'jws',
      'jwa',
      'buffer-equal-constant-time',
      'ecdsa-sig-formatter',
      'safe-buffer',
      'semver',
      'lodash.includes',
      'lodash.isboolean',
      'lodash.isinteger',
      'lodash.isnumber',
      'lodash.isplainobject',
      'lodash.isstring',
      'lodash.once',
    ],
    'signing custom login tickets (`auth().createTicket`)',
  ),
  deferred(`${NODE_SDK}/storage/index.js`, 'const xml2js_1 = require("xml2js");', ['xml2js', 'xmlbuilder', 'sax'], 'reading COS XML errors of file uploads'),
  deferred(
    `${NODE_SDK}/utils/request-core.js`,
    'const https_proxy_agent_1 = require("https-proxy-agent");',
    ['https-proxy-agent', 'agent-base', 'debug', 'supports-color', 'has-flag'],
    'requests through an HTTPS proxy (the `proxy` option)',
  ),
  deferred(
    `${NODE_SDK}/utils/request-core.js`,
    'const http_proxy_agent_1 = require("http-proxy-agent");',
    ['http-proxy-agent', '@tootallnate/once'],
    'requests through an HTTP proxy (the `proxy` option)',
  ),
  deferred(
    'wx-server-sdk/index.js',
    'const mimeDB = __webpack_require__(/*! mime-db */ "mime-db");',
    ['mime-db'],
    'naming the file of a media parameter (an image sent to an open API) by its content type',
  ),
  deferred('form-data/lib/form_data.js', "var mime = require('mime-types');", ['mime-types'], 'the content type of a file appended by name or path'),
];

/**
 * Other statements of the SDK the bundle has in another form, checked like {@link LAZY_REQUIRES} (each must
 * stand exactly once in its file). `packages` is empty: nothing is deferred.
 */
export const SDK_REWRITES: readonly LazyRequire[] = [
  {
    file: '@cloudbase/signature-nodejs/lib/keyvalue.js',
    statement: '.sort((l, r) => l.toString().localeCompare(r))',
    // The first localeCompare of a process builds ICU's collator: 5-6 ms of every cold start, for ordering
    // a dozen lowercase header and parameter names. Same order: see compareSignedKeys.
    replacement: `.sort((l, r) => ${helper}.compareSignedKeys(l.toString(), r))`,
    packages: [],
    usedFor: 'ordering the names of a request\'s headers and parameters for its TC3 signature',
  },
  {
    file: 'wx-server-sdk/index.js',
    statement: 'async function callGeneralOpenAPI(method, options, config) {\n    await sleep();',
    // `sleep()` is `setTimeout(resolve, 0)`: a timer of at least 1 ms (1.3-1.5 ms measured) before every
    // open-API call, only to yield to the event loop. setImmediate yields the same way, at once. The request
    // is the same; the line count too (stack traces keep their lines).
    replacement: 'async function callGeneralOpenAPI(method, options, config) {\n    await new Promise(resolve => setImmediate(resolve));',
    packages: [],
    usedFor: 'yielding to the event loop before an open-API call (`cloud.openapi.*`)',
  },
];

/**
 * The second file of a built function: every package of {@link LAZY_REQUIRES} (and what only they use),
 * bundled apart from bundle.js and required by it only when a deferred module is first used. A function's
 * path never requires it, so V8 never reads, scans or compiles it there.
 */
export const LAZY_BUNDLE = 'bundle-lazy.js';

/** The packages that go into {@link LAZY_BUNDLE} instead of bundle.js: those the deferred requires keep off every path. */
export const LAZY_PACKAGES: ReadonlySet<string> = new Set(LAZY_REQUIRES.flatMap((entry) => entry.packages));

/**
 * Packages whose modules must never be in both files: SDK code that holds state (configuration, symbols,
 * instances of classes checked with `instanceof`) must have one copy. A package used by bundle.js and by a
 * package of the lazy bundle is otherwise bundled into both (stateless helpers: form-data, ms, es-errors…).
 */
export const SINGLE_COPY_PACKAGES: readonly RegExp[] = [/^@cloudbase\//, /^wx-server-sdk$/, /^bson$/, /^protobufjs$/];
