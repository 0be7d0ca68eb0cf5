#!/usr/bin/env bash
# Renders the demo's HTML report (`pim report --format html`) in headless Chromium at 1280 px
# and at 390 px, and fails on a console error or uncaught exception, a horizontal overflow at
# 390 px, or a chart (svg.chart) with no marks. Where the demo is in a git repository the
# report has `--history 12` (PIM_HISTORY=N to change, 0 for none), and the history chart must
# be there with a point per channel and commit that has numbers, every point inside the chart.
# Skips, with a message, where no Chromium is installed (Debian: apt-get install -y chromium).
#
#   tests/browser/check.sh [OUT_DIR]      screenshots go to OUT_DIR (default: a temp folder)
#   PIM=target/release/pim tests/browser/check.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
chrome=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$chrome" ]; then
    echo "browser check skipped: no Chromium found (apt-get install -y chromium)"
    exit 0
fi
pim=${PIM:-$root/target/debug/pim}
if [ ! -x "$pim" ]; then
    (cd "$root" && cargo build -q)
fi
out=${1:-$(mktemp -d)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
history=${PIM_HISTORY:-12}
args=(report --format html --out "$out/report.html")
if [ "$history" != 0 ] && git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
    args+=(--history "$history")
else
    history=0
fi
"$pim" -C "$root" "${args[@]}"

# The probe: the report in an iframe exactly WIDTH px wide (headless windows have a minimum
# width), with a script first in its <head> that records console errors and uncaught
# exceptions, and one last in its <body> that opens every <details>, measures, and writes the
# result into the outer page, which --dump-dom prints.
probe() {
python3 - "$out/report.html" "$out/probe-$1.html" "$1" <<'PY'
import html, sys
page = open(sys.argv[1], encoding="utf-8").read()
width = sys.argv[3]
first = """<script>window.__errors=[];(function(){var e=console.error;console.error=function(){
window.__errors.push(Array.prototype.join.call(arguments,' '));e.apply(console,arguments);};
addEventListener('error',function(ev){window.__errors.push(String(ev.message||('cannot load '+(ev.target&&(ev.target.src||ev.target.href)))));},true);})();</script>"""
last = """<script>(function(){document.querySelectorAll('details').forEach(function(d){d.open=true;});
var d=document.documentElement,wide=[];
document.querySelectorAll('body *').forEach(function(el){var r=el.getBoundingClientRect();
if(r.right>d.clientWidth+1&&!el.closest('.scroll'))wide.push(el.tagName+(el.id?'#'+el.id:''));});
var charts=document.querySelectorAll('svg.chart'),empty=[];
charts.forEach(function(s,i){if(!s.querySelector('.mark'))empty.push((s.id||s.getAttribute('data-chart')||'chart')+'#'+i);});
var h=document.querySelector('svg#history'),hist=null;
if(h){var box=h.viewBox.baseVal,pts=h.querySelectorAll('circle.mark'),out=0;
pts.forEach(function(c){var x=c.cx.baseVal.value,y=c.cy.baseVal.value;if(!(x>=0&&x<=box.width&&y>=0&&y<=box.height))out++;});
var expected=0;document.querySelectorAll('#commits tbody tr').forEach(function(r){expected+=r.querySelectorAll('td.n').length-r.querySelectorAll('td.n:empty').length-Array.prototype.filter.call(r.querySelectorAll('td.n'),function(t){return t.textContent==='–';}).length;});
hist={points:pts.length,expected:expected,outside:out,commits:+h.getAttribute('data-commits')};}
var r={history:hist,width:d.clientWidth,scrollWidth:d.scrollWidth,overflow:d.scrollWidth>d.clientWidth,wide:wide.slice(0,5),
charts:charts.length,empty:empty,errors:window.__errors};
parent.document.getElementById('probe-result').textContent=JSON.stringify(r);})();</script>"""
page = page.replace("<head>", "<head>" + first, 1).replace("</body>", last + "</body>", 1)
outer = f"""<!doctype html><html><body style="margin:0"><iframe style="width:{width}px;height:3000px;border:0" srcdoc="{html.escape(page, quote=True)}"></iframe><pre id="probe-result"></pre></body></html>"""
open(sys.argv[2], "w", encoding="utf-8").write(outer)
PY
}

# The old headless mode honours a 390 px window (the new one has a 500 px minimum).
flags=(--headless=old --no-sandbox --disable-gpu --hide-scrollbars --enable-logging=stderr --v=0)
status=0
for width in 1280 390; do
    height=$([ "$width" = 390 ] && echo 5200 || echo 3400)
    probe "$width"
    timeout 120 "$chrome" "${flags[@]}" --window-size="$width,$height" \
        --dump-dom "file://$out/probe-$width.html" >"$out/dom-$width.html" 2>"$out/log-$width.txt" || true
    timeout 120 "$chrome" "${flags[@]}" --window-size="$width,$height" \
        --screenshot="$out/report-$width.png" "file://$out/report.html" >/dev/null 2>&1 || true
    result=$(python3 - "$out/dom-$width.html" "$out/log-$width.txt" "$width" "$history" <<'PY'
import json, re, sys, html
dom = open(sys.argv[1], encoding="utf-8", errors="replace").read()
log = open(sys.argv[2], encoding="utf-8", errors="replace").read()
width = int(sys.argv[3])
history = int(sys.argv[4])
m = re.search(r'<pre id="probe-result">(.*?)</pre>', dom, re.S)
if not m:
    print("FAIL: the page did not run to its end (no probe result)"); sys.exit()
r = json.loads(html.unescape(m.group(1)))
problems = []
if r["errors"]:
    problems.append("console errors: " + "; ".join(r["errors"]))
problems += ["uncaught: " + l for l in log.splitlines() if "Uncaught" in l]
if r["width"] != width:
    problems.append(f"the viewport is {r['width']} px, not {width} px (this Chromium cannot emulate it)")
if width <= 390 and r["overflow"]:
    problems.append(f"horizontal overflow at {width} px: scrollWidth {r['scrollWidth']} > {r['width']} (wide: {', '.join(r['wide'])})")
if r["charts"] == 0:
    problems.append("no charts at all")
if r["empty"]:
    problems.append("charts with no marks: " + ", ".join(r["empty"]))
h = r["history"]
if history and h is None:
    problems.append(f"--history {history} but no history chart")
if h is not None:
    if h["points"] == 0:
        problems.append("the history chart has no points")
    if h["points"] != h["expected"]:
        problems.append(f"the history chart has {h['points']} points, the commits' table {h['expected']} numbers")
    if h["outside"]:
        problems.append(f"{h['outside']} history points outside the chart")
hist = f", history: {h['points']} points over {h['commits']} commits" if h else ""
print(("FAIL: " + " | ".join(problems)) if problems else f"ok: {r['charts']} charts{hist}, scrollWidth {r['scrollWidth']} at {r['width']} px")
PY
)
    echo "$width px: $result"
    case $result in ok*) ;; *) status=1 ;; esac
done
echo "screenshots: $out/report-1280.png $out/report-390.png"
exit $status
