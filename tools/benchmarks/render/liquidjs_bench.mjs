// The baseline of render_vs_liquidjs: liquidjs rendering the fixture that render_bench.cc renders,
// the same way (each part parsed once, every part of every template in turn, one thread, HTML
// parts escaped), with the platform's `money` and `timestamp` filters written as ours behave.
// node liquidjs_bench.mjs FIXTURE SECONDS [--print]; prints the same JSON line as render_bench.
import { readFileSync } from 'node:fs';
import { Liquid } from 'liquidjs';

const [fixturePath, secondsText = '4', mode = ''] = process.argv.slice(2);
const fixture = JSON.parse(readFileSync(fixturePath, 'utf8'));

// `money`: an integer in the currency's smallest unit, with `divisibility` decimals, exactly.
function money(amount, divisibility = 2) {
  const places = Number(divisibility) || 0;
  const value = BigInt(Math.trunc(Number(amount)));
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(places + 1, '0');
  const whole = digits.slice(0, digits.length - places);
  const fraction = places ? `.${digits.slice(digits.length - places)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

function engine(escape) {
  const liquid = new Liquid({ timezoneOffset: 0, ...(escape ? { outputEscape: 'escape' } : {}) });
  liquid.registerFilter('money', money);
  liquid.registerFilter('timestamp', (ms) => new Date(Number(ms)));
  return liquid;
}
const text = engine(false);
const html = engine(true);

const notifications = fixture.templates.map((t) => ({
  id: t.id,
  data: fixture.data[t.event],
  parts: Object.entries(t.parts).map(([name, body]) => {
    const liquid = name === 'html_message' ? html : text;
    return { name, liquid, parsed: liquid.parse(body) };
  }),
}));

if (mode === '--print') {
  const out = {};
  for (const n of notifications) {
    out[n.id] = {};
    for (const part of n.parts) out[n.id][part.name] = part.liquid.renderSync(part.parsed, n.data);
  }
  console.log(JSON.stringify(out));
} else {
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(Number(secondsText) * 1e9));
  let renders = 0;
  let bytes = 0;
  while (process.hrtime.bigint() < end) {
    for (const n of notifications) {
      for (const part of n.parts) bytes += part.liquid.renderSync(part.parsed, n.data).length;
      renders += 1;
    }
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(JSON.stringify({ rate: renders / seconds, renders, seconds, bytes }));
}
