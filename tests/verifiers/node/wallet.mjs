// Play a wallet: collect a credential from Lantern with the OpenWallet Foundation's OpenID4VCI
// client (@openid4vc/openid4vci, pinned in package-lock.json), pre-authorized code flow.
//
// Reads {"origin": "https://127.0.0.1:PORT", "offer": "openid-credential-offer://...",
// "txCode": "123456" | null, "attempts": [...]} on stdin. Each attempt is a deliberate mistake
// tried before the real collection ("wrong-tx-code", "wrong-audience", "wrong-nonce"); its
// refusal is reported. Prints the credential, the spec version the client detected, every URL
// it reached and every request the guard refused. Only `origin` is reachable, over TLS.
import {createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, createHash, sign}
  from 'node:crypto';
import {installGuard} from './guard.mjs';

console.log = (...args) => console.error(...args);

const input = JSON.parse(await readStdin());
const origin = new URL(input.origin);
const {requested, refused, guardCheck} = await installGuard(origin,
  (url, options) => `${options?.method ?? 'GET'} ${url.href}`);

// Imported after the guards so that no library captures the unguarded functions first.
const {Openid4vciClient} = await import('@openid4vc/openid4vci');
const {clientAuthenticationAnonymous} = await import('@openid4vc/oauth2');

// The wallet's key: Ed25519, named in the proof's header as a public JWK.
const {publicKey, privateKey} = generateKeyPairSync('ed25519');
const publicJwk = publicKey.export({format: 'jwk'});

const b64url = data => Buffer.from(data).toString('base64url');

async function signJwt(signer, {header, payload}) {
  if(signer.method !== 'jwk') {
    throw new Error(`this wallet signs only with its JWK, not ${signer.method}`);
  }
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = sign(null, Buffer.from(input), privateKey);
  return {jwt: `${input}.${b64url(signature)}`, signerJwk: signer.publicJwk};
}

const client = new Openid4vciClient({callbacks: {
  fetch: globalThis.fetch,
  hash: (data, alg) => createHash(alg.replace('-', '').toLowerCase()).update(data).digest(),
  generateRandom: length => randomBytes(length),
  signJwt,
  clientAuthentication: clientAuthenticationAnonymous(),
}});

const offer = await client.resolveCredentialOffer(input.offer);
const issuerMetadata = await client.resolveIssuerMetadata(offer.credential_issuer);
const [configurationId] = offer.credential_configuration_ids;
const signer = {method: 'jwk', publicJwk, alg: 'EdDSA'};
const mistakes = {};

async function errorOf(action) {
  try {
    await action();
    return 'accepted';
  } catch(error) {
    return error?.response?.credentialErrorResponseResult?.data?.error ??
      error?.errorResponse?.error ?? error?.message ?? String(error);
  }
}

async function proofFor(nonce, audience) {
  if(audience === undefined) {
    return (await client.createCredentialRequestJwtProof({
      issuerMetadata, credentialConfigurationId: configurationId, signer, nonce})).jwt;
  }
  // The client always addresses the proof correctly; a careless wallet is played by hand.
  const header = {alg: 'EdDSA', typ: 'openid4vci-proof+jwt', jwk: publicJwk};
  const payload = {aud: audience, iat: Math.floor(Date.now() / 1000), nonce};
  return (await signJwt(signer, {header, payload})).jwt;
}

if(input.attempts.includes('wrong-tx-code')) {
  mistakes['wrong-tx-code'] = await errorOf(() =>
    client.retrievePreAuthorizedCodeAccessTokenFromOffer({
      credentialOffer: offer, issuerMetadata, txCode: input.txCode === '000000' ? '111111' :
        '000000'}));
}
const {accessTokenResponse} = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
  credentialOffer: offer, issuerMetadata, txCode: input.txCode ?? undefined});
const accessToken = accessTokenResponse.access_token;

async function collect(jwt) {
  return client.retrieveCredentials({issuerMetadata, accessToken,
    credentialConfigurationId: configurationId, proofs: {jwt: [jwt]}});
}

if(input.attempts.includes('wrong-audience')) {
  const {c_nonce: nonce} = await client.requestNonce({issuerMetadata});
  mistakes['wrong-audience'] = await errorOf(async () =>
    failed(await collect(await proofFor(nonce, 'https://elsewhere.example'))));
}
if(input.attempts.includes('wrong-nonce')) {
  mistakes['wrong-nonce'] = await errorOf(async () =>
    failed(await collect(await proofFor(b64url(randomBytes(32))))));
}
const {c_nonce: nonce} = await client.requestNonce({issuerMetadata});
const response = await collect(await proofFor(nonce));
const [first] = response.credentialResponse.credentials ?? [];
if(input.attempts.includes('replay')) {
  mistakes.replay = await errorOf(() => client.retrievePreAuthorizedCodeAccessTokenFromOffer({
    credentialOffer: offer, issuerMetadata, txCode: input.txCode ?? undefined}));
}

process.stdout.write(JSON.stringify({
  version: issuerMetadata.originalDraftVersion,
  tokenType: accessTokenResponse.token_type,
  credential: first?.credential ?? null,
  holderJwk: publicJwk,
  mistakes, guardCheck, requested, refused,
}, null, 2) + '\n');

// retrieveCredentials throws on an error response; reaching here means Lantern issued one.
function failed(result) {
  return result;
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
