/**
 * Does what a person does on the (simulated) Withings consent page: loads it, picks the account and
 * presses "Allow". The form is submitted as a browser would (POST, then the 302 to the redirect URI is
 * followed), so the code reaches wg-sync's callback server the real way.
 */
export async function allowOnConsentPage(authorizeUrl: string): Promise<void> {
  const page = await fetch(authorizeUrl);
  const html = await page.text();
  if (!page.ok) throw new Error(`the consent page answered ${page.status}`);
  const form = /<form[^>]*method="post"[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) throw new Error('no form on the consent page');
  const fields = new URLSearchParams();
  for (const input of (form[2] ?? '').matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    fields.set(input[1] ?? '', unescapeHtml(input[2] ?? ''));
  const account = /<option value="([^"]+)"/.exec(form[2] ?? '');
  if (account) fields.set('userid', unescapeHtml(account[1] ?? ''));
  fields.set('decision', 'allow');
  const decision = await fetch(new URL(form[1] ?? '', authorizeUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: fields,
    redirect: 'manual',
  });
  const location = decision.headers.get('location');
  if (decision.status !== 302 || !location) throw new Error(`"Allow" answered ${decision.status}`);
  const callback = await fetch(location);
  await callback.arrayBuffer();
  if (!callback.ok) throw new Error(`the callback answered ${callback.status}`);
}

function unescapeHtml(text: string): string {
  return text
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}
