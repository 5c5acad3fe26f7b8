// A Node.js client (@grpc/grpc-js + @grpc/proto-loader) playing the commune
// portal backend against the real services: it loads the project's protos,
// lists its commune's conventions, records the commune's signature, reads its
// titre and statement, and cannot read another commune's convention.
// Run by CTest: node --test tests/node/portal_client.test.mjs (ENT_BUILD_DIR set).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const build = process.env.ENT_BUILD_DIR || join(root, 'build');
const dir = mkdtempSync(join(tmpdir(), 'ent-node-'));
const children = [];

after(() => {
  for (const c of children) c.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

// Principals: one token per role, the file stores their SHA-256.
const tokens = {};
const roles = {
  rectorat: 'ROLE_RECTORAT_SERVICE', finance: 'ROLE_FINANCE', internal: 'ROLE_INTERNAL_SERVICE',
  portal: 'ROLE_COMMUNE_PORTAL',
};
let principals = '';
for (const [name, role] of Object.entries(roles)) {
  tokens[name] = randomBytes(24).toString('hex');
  const hash = createHash('sha256').update(tokens[name]).digest('hex');
  principals += `principals { name: "node-${name}" role: ${role} token_sha256: "${hash}"` +
      (name === 'portal' ? ' insee_codes: "30227"' : '') + ' }\n';
}
writeFileSync(join(dir, 'principals.textproto'), principals);
writeFileSync(join(dir, 'internal.token'), tokens.internal);

async function start(binary, name, extra) {
  const data = join(dir, name);
  const portFile = join(data, 'port');
  const child = spawn(join(build, binary), [
    '--listen=127.0.0.1:0', `--data-dir=${data}`, `--port-file=${portFile}`,
    `--principals=${join(dir, 'principals.textproto')}`, ...extra], { stdio: 'ignore' });
  children.push(child);
  for (let i = 0; i < 300; i++) {
    if (existsSync(portFile)) return `127.0.0.1:${readFileSync(portFile, 'utf8').trim()}`;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${binary} did not start`);
}

const definition = protoLoader.loadSync(
  ['ent/convention/v1/convention_service.proto', 'ent/billing/v1/billing_service.proto'],
  { keepCase: true, longs: String, enums: String, defaults: true,
    includeDirs: [join(root, 'proto'), join(root, 'third_party', 'googleapis')] });
const api = grpc.loadPackageDefinition(definition);

function caller(client, who) {
  return (method, request) => new Promise((resolve, reject) => {
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${tokens[who]}`);
    client[method](request, md, (err, resp) => (err ? reject(err) : resolve(resp)));
  });
}

const date = (y, m, d) => ({ year: y, month: m, day: d });

test('the commune portal backend, from Node.js', async () => {
  const billingAddress = await start('billing-service/ent-billing-service', 'billing',
      ['--clock=simulated:2021-11-20T10:00:00+01:00']);
  const conventionAddress = await start('convention-service/ent-convention-service', 'convention',
      ['--clock=simulated:2021-11-03T15:00:00+01:00', `--billing=${billingAddress}`,
       `--billing-token-file=${join(dir, 'internal.token')}`]);
  const conventions = new api.ent.convention.v1.ConventionService(
      conventionAddress, grpc.credentials.createInsecure());
  const billing = new api.ent.billing.v1.BillingService(billingAddress, grpc.credentials.createInsecure());
  const rectorat = caller(conventions, 'rectorat');
  const portal = caller(conventions, 'portal');
  const portalBilling = caller(billing, 'portal');
  const finance = caller(billing, 'finance');

  // Real communes: the service checks the SIREN against the INSEE list.
  const sirens = { '30227': '213002272', '34172': '213401722' };
  const draft = (insee, id) => ({
    convention_id: id, request_id: `node-create-${id}`,
    convention: {
      academie: { name: 'Académie de Montpellier', representative: 'Sophie Béjean', capacity: 'Rectrice' },
      commune: { insee_code: insee, siren: sirens[insee],
                 party: { name: `Commune ${insee}`, representative: 'Le maire', capacity: 'Maire' } },
      school_year: '2021-2022', end_date: date(2022, 9, 1),
      schools: [{ uai: '0300673U', name: 'ECOLE MATERNELLE', type: 'SCHOOL_TYPE_MATERNELLE' },
                { uai: '0301531B', name: 'ECOLE ELEMENTAIRE', type: 'SCHOOL_TYPE_ELEMENTAIRE' }],
    },
  });
  await rectorat('CreateConvention', draft('30227', '30227-2021'));
  await rectorat('CreateConvention', draft('34172', '34172-2021'));
  await rectorat('SignConvention', { name: 'conventions/30227-2021', request_id: 'node-sign-a',
    signature: { party: 'PARTY_ROLE_ACADEMIE', date: date(2021, 10, 11), signatory: 'Sophie Béjean',
                 capacity: 'Rectrice', place: 'Montpellier' } });

  // Its conventions: only its commune's.
  const list = await portal('ListConventions', {});
  assert.deepEqual(list.conventions.map((c) => c.name), ['conventions/30227-2021']);

  // Its signature (as the commune) activates the convention.
  const signed = await portal('SignConvention', { name: 'conventions/30227-2021', request_id: 'node-sign-c',
    signature: { party: 'PARTY_ROLE_COMMUNE', date: date(2021, 11, 3), signatory: 'Jean-Pierre DE FARIA',
                 capacity: 'Maire', place: 'Saint-Ambroix' } });
  assert.equal(signed.state, 'STATE_ACTIVE');
  assert.deepEqual(signed.effective_date, date(2021, 11, 3));

  // Finance bills it once billing has heard of it through the outbox.
  await finance('SetTariff', { request_id: 'node-tariff',
    tariff: { school_year: '2021-2022', unit_price_cents: 5000, legal_basis: 'Convention, art. 5' } });
  let titre;
  for (let i = 0; i < 200 && !titre; i++) {
    try {
      titre = await finance('IssueTitre', { convention: 'conventions/30227-2021', school_year: '2021-2022',
                                            request_id: `node-issue-${i}` });
    } catch (e) {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  assert.ok(titre, 'the titre was issued');

  // Its titre and statement.
  const read = await portalBilling('GetTitre', { name: titre.name });
  assert.equal(read.total_cents, '10000');
  assert.equal(read.lines.length, 2);
  const statement = await portalBilling('GetStatement', { commune_insee_code: '30227' });
  assert.equal(statement.balance_cents, '10000');

  // Another commune's convention: refused.
  await assert.rejects(portal('GetConvention', { name: 'conventions/34172-2021' }),
                       (e) => e.code === grpc.status.PERMISSION_DENIED);
  await assert.rejects(portalBilling('GetStatement', { commune_insee_code: '34172' }),
                       (e) => e.code === grpc.status.PERMISSION_DENIED);
  conventions.close();
  billing.close();
});
