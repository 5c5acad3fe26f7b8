// ent-console in a real browser: Debian's headless Chromium driven by
// playwright-core (no downloaded browser) against the real console, both
// services (SQLite, simulated clock) and the development identity provider.
// The golden dispute walked by the support agent, a payment by finance, the
// rights of those who have none, the console's security, and axe-core (WCAG
// 2.1 A and AA) on every screen. Screenshots of each screen are written to
// $ENT_CONSOLE_SCREENSHOTS (docs/console when refreshing the README's).
//
// Run by CTest: node --test tests/console/console.test.mjs (ENT_BUILD_DIR set).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, existsSync, rmSync, createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const build = process.env.ENT_BUILD_DIR || join(root, 'build');
const dir = mkdtempSync(join(tmpdir(), 'ent-console-'));
const shots = process.env.ENT_CONSOLE_SCREENSHOTS || join(dir, 'screenshots');
mkdirSync(shots, { recursive: true });
const children = [];
let browser;
let consoleUrl;
let startConsole;
let rectoratToken;
let conventionAddress;
const clock = '--clock=simulated:2021-11-03T18:00:00+01:00';

async function waitFor(predicate, what, tries = 300) {
  for (let i = 0; i < tries; i++) {
    const v = await predicate();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not happen`);
}

function start(binary, args, name) {
  const log = join(dir, `${name}.log`);
  const child = spawn(join(build, binary), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.pipe(createWriteStream(log));
  children.push(child);
  return child;
}

async function startService(binary, name, extra) {
  const data = join(dir, name);
  mkdirSync(data, { recursive: true });
  const portFile = join(data, 'port');
  start(binary, ['--listen=127.0.0.1:0', `--data-dir=${data}`, `--port-file=${portFile}`,
    `--principals=${join(dir, 'principals.textproto')}`, ...extra], name);
  const port = await waitFor(() => existsSync(portFile) && readFileSync(portFile, 'utf8').trim(), `${name} start`);
  return `127.0.0.1:${port}`;
}

before(async () => {
  // The development identity provider.
  const idp = spawn(process.execPath, [join(root, 'deploy', 'oidc-dev', 'provider.mjs'), '--port=0'],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(idp);
  const issuer = await new Promise((resolve, reject) => {
    let out = '';
    idp.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve(JSON.parse(line).issuer);
    });
    idp.on('exit', (code) => reject(new Error(`identity provider exited ${code}`)));
  });

  // Principals: static tokens for the seed and the outbox, and the provider.
  const tokens = {};
  let principals = '';
  for (const [name, role] of Object.entries({ rectorat: 'ROLE_RECTORAT_SERVICE', finance: 'ROLE_FINANCE',
    internal: 'ROLE_INTERNAL_SERVICE' })) {
    tokens[name] = randomBytes(24).toString('hex');
    principals += `principals { name: "test-${name}" role: ${role} token_sha256: "${createHash('sha256').update(tokens[name]).digest('hex')}" }\n`;
  }
  principals += readFileSync(join(root, 'deploy', 'config', 'identity-provider.dev.textproto'), 'utf8')
    .replaceAll('@ISSUER@', issuer);
  writeFileSync(join(dir, 'principals.textproto'), principals);
  writeFileSync(join(dir, 'internal.token'), tokens.internal);
  rectoratToken = tokens.rectorat;

  const billing = await startService('billing-service/ent-billing-service', 'billing', [clock]);
  conventionAddress = await startService('convention-service/ent-convention-service', 'convention',
    [clock, `--billing=${billing}`, `--billing-token-file=${join(dir, 'internal.token')}`]);
  execFileSync(join(build, 'demo', 'ent-demo-seed'), [conventionAddress, billing],
    { env: { ...process.env, ENT_TOKEN: tokens.rectorat, ENT_FINANCE_TOKEN: tokens.finance }, stdio: 'ignore' });

  startConsole = async (name, extra = []) => {
    const portFile = join(dir, `${name}.port`);
    start('console/ent-console', ['--listen=127.0.0.1:0', `--port-file=${portFile}`,
      `--convention=${conventionAddress}`, `--billing=${billing}`, `--oidc-issuer=${issuer}`,
      `--dsfr-dir=${join(root, 'console', 'node_modules', '@gouvfr', 'dsfr', 'dist')}`, ...extra], name);
    const port = await waitFor(() => existsSync(portFile) && readFileSync(portFile, 'utf8').trim(), `${name} start`);
    return `http://127.0.0.1:${port}`;
  };
  consoleUrl = await startConsole('console');

  browser = await chromium.launch({
    executablePath: process.env.ENT_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
});

after(async () => {
  if (browser) await browser.close();
  await Promise.all(children.map((c) => new Promise((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    const timer = setTimeout(() => { c.kill('SIGKILL'); resolve(); }, 10000);
    c.on('exit', () => { clearTimeout(timer); resolve(); });
    c.kill('SIGTERM');
  })));
  if (!process.env.ENT_KEEP_TEST_DIR) rmSync(dir, { recursive: true, force: true });
});

// A new browser (cookies of its own) signed in as `login`.
async function signIn(login, password, url = consoleUrl) {
  const context = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris', acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${url}/`);
  await page.getByRole('link', { name: 'Se connecter' }).click();
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForURL(`${url}/**`);
  return { context, page };
}

// axe-core on the page as it is: WCAG 2.1 A and AA, no violation.
async function accessible(page, screen) {
  await page.screenshot({ path: join(shots, `${screen}.png`), fullPage: true });
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const violations = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  if (violations.length) writeFileSync(join(shots, `${screen}.html`), await page.content());
  assert.deepEqual(violations, [], `${screen}: accessibility violations`);
}

// The focused element shows where it is (DSFR's focus ring or ours).
async function focusVisible(page) {
  const outline = await page.evaluate(() => {
    const style = getComputedStyle(document.activeElement);
    return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  });
  assert.ok(outline, 'the focused element has a visible outline');
}

async function moveClock(page, instant) {
  await page.fill('#horloge-instant', instant);
  await page.getByRole('button', { name: "Avancer l'horloge" }).click();
  await page.waitForLoadState('load');
}

function pdfText(buffer) {
  const file = join(dir, `doc-${randomBytes(4).toString('hex')}.pdf`);
  writeFileSync(file, buffer);
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
}

test('the sign-in page, before anyone signs in, is accessible and sets a safe cookie', async () => {
  const context = await browser.newContext({ locale: 'fr-FR' });
  const page = await context.newPage();
  const response = await page.goto(`${consoleUrl}/`);
  const csp = response.headers()['content-security-policy'];
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal(response.headers()['x-content-type-options'], 'nosniff');
  const [cookie] = await context.cookies();
  assert.equal(cookie.name, 'ent_console');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Lax');
  assert.equal(cookie.secure, false);  // loopback, plain http: a public address must be https
  await accessible(page, '01-connexion');
  await context.close();
});

test('support staff walk the golden dispute in the browser', async () => {
  const { context, page } = await signIn('claire.martin', 'dev-support');
  await assert.doesNotReject(page.getByText('Claire Martin (assistance)').waitFor());
  await accessible(page, '02-tableau-de-bord');

  // Conventions: found by a folded name.
  await page.getByRole('link', { name: 'Conventions', exact: true }).click();
  await page.fill('#recherche-q', 'saint ambroix');
  await page.getByRole('button', { name: 'Rechercher' }).click();
  await page.getByRole('link', { name: 'Commune de Saint-Ambroix' }).first().waitFor();
  await accessible(page, '03-conventions');
  await page.getByRole('link', { name: 'Commune de Saint-Ambroix' }).first().click();
  await page.getByRole('heading', { name: /Saint-Ambroix — 2021-2022/ }).waitFor();
  await accessible(page, '04-convention');
  // The service's warnings in French, and what is still to come for this convention.
  const main = await page.locator('main').innerText();
  assert.match(main, /la délibération n° \S+ indique une fin au 31 octobre 2022/);
  assert.doesNotMatch(main, /the deliberation|outside the school year/);
  const upcoming = await page.locator('#a-venir').innerText();
  assert.match(upcoming, /Fin de la convention — jeudi 1er septembre 2022/);
  assert.match(upcoming, /elle cesse de l'être le vendredi 2 septembre 2022 à 0 h/);
  assert.match(upcoming, /Soixante jours avant la date de fin, le jeudi 1er septembre 2022 : le dimanche 3 juillet 2022/);

  // 31 March 2022: the formal notice, filled in with the keyboard alone.
  await moveClock(page, '2022-03-31T10:00');
  await page.getByText('jeudi 31 mars 2022 à 10 h 00').first().waitFor();
  await page.getByRole('link', { name: 'Ouvrir un litige : mise en demeure' }).click();
  await accessible(page, '05-mise-en-demeure');
  // Submitted empty: every missing field named beside itself, and announced.
  await page.getByRole('button', { name: 'Vérifier avant de confirmer' }).click();
  await page.getByRole('alert').first().waitFor();
  assert.ok(await page.locator('#champ-notice_sent_date-error').isVisible());
  assert.ok(await page.locator('#champ-party-error').isVisible());
  // In one pass, in French: the service's own words for people (localized_message fr-FR).
  assert.match(await page.locator('#champ-party-error').innerText(), /est obligatoire : la commune ou l'académie/);
  assert.match(await page.locator('#champ-grievances-error').innerText(), /est obligatoire/);
  assert.match(await page.locator('#champ-notice_sent_date-error').innerText(), /est obligatoire/);
  assert.doesNotMatch(await page.locator('main').innerText(), /is required/);
  await accessible(page, '06-mise-en-demeure-erreurs');
  await page.focus('#champ-party-0');
  await page.keyboard.press('Space');  // the commune
  await page.keyboard.press('Tab');
  await page.keyboard.type('Comptes référent ville non activés');
  await page.keyboard.press('Tab');
  await page.keyboard.type('LRAR 1A 234 567 8901 2');
  await page.keyboard.press('Tab');
  await page.keyboard.type('31/03/2022');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');  // past the optional acknowledgement date
  assert.equal(await page.locator('#champ-notice_sent_date').inputValue(), '31/03/2022');
  assert.equal(await page.evaluate(() => document.activeElement.value), 'verifier');
  await focusVisible(page);
  await page.keyboard.press('Enter');
  const consequence = page.locator('#consequence');
  await consequence.waitFor();
  const text = await consequence.innerText();
  assert.match(text, /au plus tard le lundi 2 mai 2022/);
  assert.match(text, /le 31 du mois suivant n'existant pas/);
  assert.match(text, /samedi 30 avril 2022, dimanche 1er mai 2022 \(Fête du travail\)/);
  await accessible(page, '07-mise-en-demeure-consequence');
  await page.focus('button[value=confirmer]');
  await page.keyboard.press('Enter');
  await page.getByText('Mise en demeure enregistrée : conciliation au plus tard le lundi 2 mai 2022.').waitFor();
  assert.match(await page.locator('#litige-1').innerText(), /Conciliation au plus tard le lundi 2 mai 2022/);
  assert.match(await page.locator('#a-venir').innerText(), /Conciliation — lundi 2 mai 2022 \(dans 32 jours\)/);

  // The conciliation's form, with the keyboard alone, up to its consequence (not confirmed).
  await page.getByRole('link', { name: 'Enregistrer la conciliation' }).focus();
  await page.keyboard.press('Enter');
  await page.locator('#champ-meeting_date').waitFor();
  await accessible(page, '12-conciliation');
  await page.focus('#champ-meeting_date');
  await page.keyboard.type('31/03/2022');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Space');      // the first outcome…
  await page.keyboard.press('ArrowDown');  // …then "Échec"
  await page.keyboard.press('Tab');
  await page.keyboard.type('Aucun accord sur l\'activation des comptes');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  assert.match(await page.locator('#consequence').innerText(), /enregistrée comme échouée/);
  await page.getByRole('link', { name: 'Annuler' }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: /Saint-Ambroix — 2021-2022/ }).waitFor();

  // Another tab moves the clock past the deadline: this one shows the lapse by itself.
  const other = await context.newPage();
  await other.goto(page.url());
  await page.waitForFunction(() => document.body.getAttribute('data-live-open') === '1');
  await moveClock(other, '2022-05-03T00:00');
  await page.locator('#litige-1').getByText('Délai de conciliation expiré').waitFor({ timeout: 15000 });
  assert.ok(await page.evaluate(() => document.body.getAttribute('data-refreshed')), 'refreshed without reload');
  await other.close();

  // 11 May 2022: the termination letter.
  await moveClock(page, '2022-05-11T10:00');
  await page.getByRole('link', { name: 'Envoyer la lettre de résiliation' }).focus();
  await page.keyboard.press('Enter');
  await page.locator('#champ-party-0').waitFor({ state: 'attached' });
  await page.focus('#champ-party-0');
  await page.keyboard.press('Space');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Engagements réciproques non respectés');
  await page.keyboard.press('Tab');
  await page.keyboard.type('LRAR 1A 234 567 8902 9');
  await page.keyboard.press('Tab');
  await page.keyboard.type('11/05/2022');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  assert.match(await page.locator('#consequence').innerText(), /le vendredi 27 mai 2022 à 24 heures/);
  await accessible(page, '08-resiliation-consequence');
  await page.getByRole('button', { name: "Enregistrer l'envoi de la lettre de résiliation" }).focus();
  await page.keyboard.press('Enter');
  await page.locator('.fr-alert--success').getByText('résiliation effective le vendredi 27 mai 2022 à 24 heures').waitFor();
  assert.equal(await page.locator('#etat-convention').innerText(), 'Résiliation en cours');
  // The timeline in French, from the events' typed changes.
  const timeline = await page.locator('#chronologie').innerText();
  assert.match(timeline, /Lettre de résiliation envoyée/);
  assert.match(timeline, /État de la convention : En vigueur → Résiliation en cours/);
  assert.doesNotMatch(timeline, /formal notice|termination|TERMINATING/);
  assert.match(await page.locator('#a-venir').innerText(), /Résiliation — vendredi 27 mai 2022/);

  // Withdrawal and correction, with the keyboard alone, up to their consequence (not confirmed).
  for (const [link, fill, expected, shot] of [
    ['Retirer le litige', async () => { await page.keyboard.type('Accord trouvé après coup'); },
      /Le litige sera retiré/, '13-retrait'],
    ['Corriger une date', async () => {
      for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowDown');  // "Envoi de la lettre de résiliation"
      await page.keyboard.press('Tab');
      await page.keyboard.type('10/05/2022');
      await page.keyboard.press('Tab');
      await page.keyboard.type('Date mal saisie');
    }, /la résiliation prendra effet le mercredi 25 mai 2022 à 24 heures/, '14-correction'],
  ]) {
    await page.getByRole('link', { name: link }).focus();
    await page.keyboard.press('Enter');
    await page.locator('form textarea, form select').first().waitFor();
    await accessible(page, shot);
    await page.locator('form textarea, form select').first().focus();
    await fill();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.locator('#consequence, #erreurs').first().waitFor();
    assert.match(await page.locator('main').innerText(), expected);
    await page.getByRole('link', { name: 'Annuler' }).click();
    await page.getByRole('heading', { name: /Saint-Ambroix — 2021-2022/ }).waitFor();
  }

  // The letter, as a PDF whose text says so.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Lettre de résiliation (PDF)' }).click(),
  ]);
  const letter = pdfText(readFileSync(await download.path()));
  assert.match(letter, /27 mai 2022/);
  assert.match(letter, /Claire Martin/);
  await context.close();
});

test('finance records a payment on titre 2021-000001 and sees the balance', async () => {
  const { context, page } = await signIn('paul.durand', 'dev-finance');
  await page.getByRole('link', { name: 'Titres de perception' }).click();
  await page.getByRole('link', { name: '2021-000001' }).waitFor();
  await accessible(page, '09-titres');
  await page.getByRole('link', { name: '2021-000001' }).click();
  assert.equal(await page.locator('#reste-du').innerText(), '100,00 €');
  // A wrong amount is named beside its field; nothing is recorded.
  await page.fill('#paiement-montant', 'quarante');
  await page.fill('#paiement-date', '11/05/2022');
  await page.fill('#paiement-reference', 'VIR-1');
  await page.getByRole('button', { name: 'Enregistrer le paiement' }).click();
  await page.locator('#paiement-montant-error').waitFor();
  assert.equal(await page.locator('#reste-du').innerText(), '100,00 €');
  await page.fill('#paiement-montant', '40,00');
  await page.getByRole('button', { name: 'Enregistrer le paiement' }).click();
  await page.getByText('Paiement enregistré.').waitFor();
  assert.equal(await page.locator('#reste-du').innerText(), '60,00 €');
  assert.match(await page.locator('table').nth(1).innerText(), /Paul Durand/);
  // An annulation of a titre partly paid: refused, in French, nothing recorded.
  await page.locator('label[for=correction-annulation]').click();  // DSFR draws the radio on its label
  assert.ok(await page.locator('#correction-annulation').isChecked());
  await page.fill('#reduction-date', '12/05/2022');
  await page.fill('#reduction-motif', 'Titre émis à tort');
  await page.fill('#reduction-justificatif', 'Courrier du 12 mai 2022');
  await page.getByRole('button', { name: 'Enregistrer la correction' }).click();
  await page.getByText('Le titre est en partie payé (40,00 €)').waitFor();
  assert.equal(await page.locator('#reste-du').innerText(), '60,00 €');
  await accessible(page, '10-titre');
  await page.getByRole('link', { name: 'Relevé de la commune' }).click();
  await page.getByRole('heading', { name: 'Relevé de la commune 30227' }).waitFor();
  await accessible(page, '11-releve');

  // Finance does not drive disputes: no button, and a forged post is refused.
  await page.goto(`${consoleUrl}/conventions/30227-2021`);
  assert.equal(await page.getByRole('link', { name: /Ouvrir un litige|Retirer le litige/ }).count(), 0);
  const csrf = await page.locator('input[name=csrf]').first().inputValue();
  const forged = await context.request.post(`${consoleUrl}/conventions/30227-2021/litiges/1/retrait`,
    { form: { csrf, etape: 'confirmer', reason: 'forgé' }, maxRedirects: 0 });
  assert.equal(forged.status(), 403);
  await context.close();
});

test("a commune's agent sees no finance buttons and is refused if it posts anyway", async () => {
  const { context, page } = await signIn('lea.roux', 'dev-commune');
  await page.goto(`${consoleUrl}/titres/2021-000001`);
  assert.equal(await page.getByRole('button', { name: 'Enregistrer le paiement' }).count(), 0);
  const csrf = await page.locator('input[name=csrf]').first().inputValue();
  const forged = await context.request.post(`${consoleUrl}/titres/2021-000001/paiements`,
    { form: { csrf, amount: '60', date: '2022-05-11', reference: 'X' }, maxRedirects: 0 });
  assert.equal(forged.status(), 403);
  // Another commune's convention is not hers.
  const other = await page.goto(`${consoleUrl}/conventions/34172-2021`);
  assert.ok([403, 404].includes(other.status()));
  await context.close();
});

test('forms need their own session\'s CSRF token; sessions rotate at sign-in and end at sign-out', async () => {
  // Before sign-in: an anonymous session id.
  const context = await browser.newContext({ locale: 'fr-FR' });
  const page = await context.newPage();
  await page.goto(`${consoleUrl}/`);
  const before = (await context.cookies())[0].value;
  await page.getByRole('link', { name: 'Se connecter' }).click();
  await page.fill('input[name=login]', 'claire.martin');
  await page.fill('input[name=password]', 'dev-support');
  await page.click('button[type=submit]');
  await page.waitForURL(`${consoleUrl}/**`);
  const afterSignIn = (await context.cookies()).find((c) => c.name === 'ent_console').value;
  assert.notEqual(afterSignIn, before, 'the session id given before sign-in is not kept');
  const anonymous = await fetch(`${consoleUrl}/conventions`, { headers: { cookie: `ent_console=${before}` }, redirect: 'manual' });
  assert.equal(anonymous.status, 303);

  // A post without a token, or with another session's, changes nothing.
  const other = await signIn('claire.martin', 'dev-support');
  const otherCsrf = await other.page.locator('input[name=csrf]').first().inputValue();
  for (const form of [{ instant: '2022-06-01T10:00' }, { instant: '2022-06-01T10:00', csrf: otherCsrf }]) {
    const r = await context.request.post(`${consoleUrl}/horloge`, { form, maxRedirects: 0 });
    assert.equal(r.status(), 403);
  }
  await page.goto(`${consoleUrl}/`);
  await page.getByText('mercredi 11 mai 2022 à 10 h 00').first().waitFor();  // not moved

  // After sign-out, the session cannot be used again.
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await page.waitForLoadState('load');
  const reused = await fetch(`${consoleUrl}/conventions`, { headers: { cookie: `ent_console=${afterSignIn}` }, redirect: 'manual' });
  assert.equal(reused.status, 303);
  assert.match(reused.headers.get('location'), /^\/connexion/);
  await other.context.close();
  await context.close();
});

// convention-service's API over gRPC, as the rectorate's services call it.
function conventionApi(address) {
  const definition = protoLoader.loadSync(['ent/convention/v1/convention_service.proto'],
    { keepCase: true, longs: String, enums: String, defaults: true,
      includeDirs: [join(root, 'proto'), join(root, 'third_party', 'googleapis')] });
  const api = grpc.loadPackageDefinition(definition);
  const client = new api.ent.convention.v1.ConventionService(address, grpc.credentials.createInsecure());
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${rectoratToken}`);
  return { client, md };
}

test('a commune name holding markup shows as text', async () => {
  const { client, md } = conventionApi(conventionAddress);
  const get = (name) => new Promise((resolve, reject) => client.GetConvention({ name }, md, (e, r) => (e ? reject(e) : resolve(r))));
  const golden = await get('conventions/30227-2021');
  const hostile = '<script>alert("x")</script> Commune <b>test</b>';
  await new Promise((resolve, reject) => client.CreateConvention({
    convention_id: 'hostile-1', request_id: 'hostile-1',
    convention: { academie: golden.academie, school_year: '2022-2023', end_date: { year: 2023, month: 8, day: 31 },
      schools: golden.schools,
      commune: { ...golden.commune, party: { ...golden.commune.party, name: hostile } } },
  }, md, (e, r) => (e ? reject(e) : resolve(r))));
  const { context, page } = await signIn('claire.martin', 'dev-support');
  let dialogs = 0;
  page.on('dialog', async (d) => { dialogs++; await d.dismiss(); });
  await page.goto(`${consoleUrl}/conventions/hostile-1`);
  await page.getByRole('heading', { name: /<script>alert\("x"\)<\/script> Commune <b>test<\/b>/ }).waitFor();
  assert.equal(await page.locator('h1 b').count(), 0);
  assert.equal(dialogs, 0);
  await context.close();
});

test('an access token that expires is renewed with the refresh token, unseen by the person', async () => {
  // A console registered as a client whose access tokens live 3 seconds.
  const url = await startConsole('console-short', ['--oidc-client-id=ent-console-short-lived']);
  const { context, page } = await signIn('claire.martin', 'dev-support', url);
  await page.getByText('Claire Martin (assistance)').waitFor();
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 4000));  // the access token has expired
    const [a, b] = await Promise.all([page.goto(`${url}/conventions`), context.request.get(`${url}/`)]);
    assert.equal(a.status(), 200);
    assert.equal(b.status(), 200);
    assert.equal(new URL(page.url()).pathname, '/conventions');
    await page.getByText('Claire Martin (assistance)').waitFor();
  }
  await context.close();
});

test('operators see the notices billing-service never received, and retry one after confirming', async () => {
  // A second convention-service whose billing-service is not there yet (a
  // port nobody listens on), giving up on a notice after one attempt.
  const port = await new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = server.address();
      server.close(() => resolve(p));
    });
  });
  const billingB = `127.0.0.1:${port}`;
  const conventionB = await startService('convention-service/ent-convention-service', 'convention-b',
    [clock, `--billing=${billingB}`, `--billing-token-file=${join(dir, 'internal.token')}`, '--outbox-max-attempts=1']);
  try {  // its conventions are created and signed; billing's part fails: nobody listens
    execFileSync(join(build, 'demo', 'ent-demo-seed'), [conventionB, billingB],
      { env: { ...process.env, ENT_TOKEN: rectoratToken, ENT_FINANCE_TOKEN: 'unused' }, stdio: 'ignore' });
  } catch { /* expected */ }
  const { client, md } = conventionApi(conventionB);
  const list = (state) => new Promise((resolve, reject) => client.ListOutboxMessages({ state, page_size: 100 }, md,
    (e, r) => (e ? reject(e) : resolve(r.messages))));
  // The fault happened: the activation notices are dead, none delivered.
  const dead = await waitFor(async () => { const m = await list('STATE_DEAD'); return m.length > 0 && m; }, 'dead notices');
  assert.equal((await list('STATE_DELIVERED')).length, 0);

  // billing-service comes up where it was expected; the console shows what is stuck.
  const data = join(dir, 'billing-b');
  mkdirSync(data, { recursive: true });
  start('billing-service/ent-billing-service', [`--listen=${billingB}`, `--data-dir=${data}`,
    `--port-file=${join(data, 'port')}`, `--principals=${join(dir, 'principals.textproto')}`, clock], 'billing-b');
  await waitFor(() => existsSync(join(data, 'port')), 'billing-b start');
  const url = await startConsole('console-b', [`--convention=${conventionB}`, `--billing=${billingB}`]);
  const { context, page } = await signIn('claire.martin', 'dev-support', url);
  const id = dead[0].id;
  const retry = page.getByRole('button', { name: `Relancer l'avis ${id}`, exact: true });
  await retry.waitFor();
  assert.equal(await page.getByRole('button', { name: /^Relancer l'avis / }).count(), dead.length);

  // Asked first, in a DSFR modal; cancelling changes nothing.
  await retry.click();
  const modal = page.locator(`#modale-avis-${id}`);
  await modal.getByRole('heading', { name: `Relancer l'avis ${id} ?` }).waitFor();
  await accessible(page, '15-relance-avis');
  await modal.getByRole('button', { name: 'Annuler' }).click();
  await modal.waitFor({ state: 'hidden' });
  assert.equal((await list('STATE_DEAD')).length, dead.length);
  // With the keyboard: open, confirm.
  await retry.focus();
  await page.keyboard.press('Enter');
  await modal.getByRole('button', { name: 'Confirmer la relance' }).waitFor();
  await modal.getByRole('button', { name: 'Confirmer la relance' }).focus();
  await page.keyboard.press('Enter');
  await page.getByText(`Avis ${id} relancé.`).waitFor();
  // Delivered this time, and only that one was retried.
  await waitFor(async () => (await list('STATE_DELIVERED')).some((m) => m.id === id), `notice ${id} delivered`);
  await page.reload();
  assert.equal(await page.getByRole('button', { name: `Relancer l'avis ${id}`, exact: true }).count(), 0);
  assert.equal(await page.getByRole('button', { name: /^Relancer l'avis / }).count(), dead.length - 1);
  await context.close();
});
