// A real OpenID Connect provider (oidc-provider, OpenID certified) for Confide's SSO tests.
// Serves HTTPS on 127.0.0.1:$OIDC_PORT with the certificate the test issued ($OIDC_CERT, $OIDC_KEY).
// Clients register themselves (RFC 7591 dynamic registration) with Confide's redirect URI.
// PKCE (S256) is required of every client. The interaction is scripted: the test's browser adds
// ?login=<email>[&email_verified=false|omit][&name=...] to the interaction URL, and that account is
// signed in and consents at once. A test hook, &nonce=<value>, replaces the nonce the client sent
// (pushed authorization requests keep it out of the browser's reach otherwise), so the id_token
// carries a nonce of another flow. Prints "ready <issuer>" once it listens.
import fs from 'node:fs';
import https from 'node:https';
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const issuer = `https://127.0.0.1:${port}`;
const accounts = new Map();

const provider = new Provider(issuer, {
  clients: [],
  features: {
    devInteractions: { enabled: false },
    registration: { enabled: true },
  },
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  cookies: { keys: ['confide-test-provider-cookie-key'] },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const claims = accounts.get(id);
    return claims && { accountId: id, claims: async () => ({ sub: id, ...claims }) };
  },
});

provider.use(async (ctx, next) => {
  const match = /^\/interaction\/([^/]+)$/.exec(ctx.path);
  if (!match) {
    return next();
  }

  const login = ctx.query.login;
  if (!login) {
    ctx.status = 400;
    ctx.body = 'the test browser must add ?login=<email>';
    return undefined;
  }

  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (ctx.query.nonce) {
    details.params.nonce = ctx.query.nonce;
    await details.save(details.exp - Math.floor(Date.now() / 1000));
  }
  const claims = { email: login, name: ctx.query.name ?? login.split('@')[0] };
  if (ctx.query.email_verified !== 'omit') {
    claims.email_verified = ctx.query.email_verified !== 'false';
  }
  accounts.set(login, claims);

  const grant = new provider.Grant({ accountId: login, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  const returnTo = await provider.interactionResult(ctx.req, ctx.res,
    { login: { accountId: login }, consent: { grantId } }, { mergeWithLastSubmission: false });
  ctx.redirect(returnTo);
  ctx.status = 303;
  return undefined;
});

const server = https.createServer({
  cert: fs.readFileSync(process.env.OIDC_CERT),
  key: fs.readFileSync(process.env.OIDC_KEY),
}, provider.callback());
server.listen(port, '127.0.0.1', () => console.log(`ready ${issuer}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
