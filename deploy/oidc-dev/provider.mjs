// A development OpenID provider for ENT-école conventions: oidc-provider
// (OpenID certified) on loopback, with the people and clients of users.json,
// JWT access tokens for the services' audience, the device authorization
// grant (entctl login), client credentials (services) and a plain sign-in
// page. The tests start it; deploy/run.sh starts it for newcomers.
//
//   node provider.mjs [--port=N] [--users=users.json]
//
// Prints one JSON line once listening: {"issuer": "...", "port": N}.
// Development only: keys live in memory, passwords are in users.json.
//
// Key rotation, as an operator would do it (loopback only):
//   POST /_dev/keys/rotate   a new signing key; the old one stays published
//   POST /_dev/keys/retire   only the newest key stays published
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Provider, { errors } from 'oidc-provider';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const [k, ...v] = a.replace(/^--/, '').split('=');
  return [k, v.join('=')];
}));
const port = Number(args.port || 0);
const config = JSON.parse(fs.readFileSync(args.users || path.join(here, 'users.json'), 'utf8'));
const audience = config.audience;
const usersByLogin = new Map(config.users.map((u) => [u.login, u]));
const usersBySub = new Map(config.users.map((u) => [u.sub, u]));

let keys = [newKey()];

function newKey() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: crypto.randomUUID(), alg: 'RS256', use: 'sig' };
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function personClaims(user) {
  return {
    name: `${user.given_name} ${user.usual_name}`,
    given_name: user.given_name,
    usual_name: user.usual_name,
    email: user.email,
    groups: user.groups,
    ...(user.siret ? { siret: user.siret } : {}),
  };
}

function makeProvider(issuer) {
  const provider = new Provider(issuer, {
    clients: config.clients.map(({ access_token_ttl, ...c }) => c),
    jwks: { keys },
    scopes: ['openid', 'offline_access', 'profile', 'email', 'conventions'],
    claims: { openid: ['sub'], profile: ['name', 'given_name', 'usual_name', 'groups', 'siret'], email: ['email'] },
    findAccount: async (ctx, sub) => {
      const user = usersBySub.get(sub);
      if (!user) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...personClaims(user) }) };
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      deviceFlow: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, resource, client) => {
          if (resource !== audience) throw new errors.InvalidTarget();
          const spec = config.clients.find((c) => c.client_id === client.clientId) || {};
          return {
            scope: 'conventions',
            audience,
            accessTokenTTL: spec.access_token_ttl || 600,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    // The person's name, e-mail, groups and SIRET in the access token, as
    // ProConnect-style claims the services map to a role and communes.
    extraTokenClaims: async (ctx, token) => {
      const user = token.accountId ? usersBySub.get(token.accountId) : undefined;
      return user ? personClaims(user) : undefined;
    },
    issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: {
      DeviceCode: 600, RefreshToken: 86400, Session: 3600, Grant: 86400, Interaction: 600, IdToken: 600,
      AccessToken: (ctx, token) => token.resourceServer?.accessTokenTTL || 600,
      ClientCredentials: (ctx, token) => token.resourceServer?.accessTokenTTL || 600,
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = `<!doctype html><title>Erreur</title><h1>Erreur</h1><pre>${escapeHtml(JSON.stringify(out))}</pre>`;
    },
  });
  provider.proxy = false;
  return provider;
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10000) throw new Error('form too large');
  }
  return Object.fromEntries(new URLSearchParams(body));
}

function page(res, title, inner) {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><html lang="fr"><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    `<h1>${escapeHtml(title)}</h1>${inner}</html>`);
}

let provider;

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { uid, prompt, params } = details;
  if (req.method === 'POST' && req.url.endsWith('/login')) {
    const form = await readForm(req);
    const user = usersByLogin.get(form.login);
    if (!user || user.password !== form.password) {
      return page(res, 'Connexion', `<p role="alert">Identifiant ou mot de passe incorrect.</p>${loginForm(uid)}`);
    }
    return provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
  }
  if (prompt.name === 'login') return page(res, 'Connexion', loginForm(uid));
  // Consent: the académie's own clients need none; grant what was asked.
  let grant = details.grantId ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
  const missing = prompt.details;
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  if (missing.missingResourceScopes) {
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes)) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
  }
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

function loginForm(uid) {
  return `<form method="post" action="/interaction/${escapeHtml(uid)}/login">` +
    '<label>Identifiant <input name="login" autocomplete="username"></label>' +
    '<label>Mot de passe <input name="password" type="password" autocomplete="current-password"></label>' +
    '<button type="submit">Se connecter</button></form>';
}

const server = http.createServer(async (req, res) => {
  try {
    if (req.url.startsWith('/interaction/')) return await interaction(req, res);
    if (req.method === 'POST' && req.url === '/_dev/keys/rotate') {
      keys = [newKey(), ...keys];
      provider = makeProvider(provider.issuer);
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ kids: keys.map((k) => k.kid) }));
    }
    if (req.method === 'POST' && req.url === '/_dev/keys/retire') {
      keys = keys.slice(0, 1);
      provider = makeProvider(provider.issuer);
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ kids: keys.map((k) => k.kid) }));
    }
    return provider.callback()(req, res);
  } catch (err) {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(String(err && err.message));
  }
});

server.listen(port, '127.0.0.1', () => {
  const actual = server.address().port;
  provider = makeProvider(`http://127.0.0.1:${actual}`);
  process.stdout.write(`${JSON.stringify({ issuer: provider.issuer, port: actual })}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
