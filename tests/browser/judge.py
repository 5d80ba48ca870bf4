"""The browser as judge: every page a browser test opens is watched for what a user would suffer and a
test would otherwise miss. A test fails on any console error, uncaught exception (`pageerror`), Content-
Security-Policy violation, htmx error event (any `htmx:...Error`, and `htmx:timeout`) and any page that
scrolls sideways (checked on every load and htmx settle, and on every page still open when the test ends).

A test that provokes one of these on purpose says so, narrowly, with a marker naming the kind of finding
and a pattern searched in "<its message> at <its address>", e.g.
    @pytest.mark.browser_expects("console", r"status of 422 .* at .*/login$")
Kinds: "console", "pageerror", "csp", "sideways", or the htmx event's name.
"""
import re
from dataclasses import dataclass, field

import pytest

# Runs in every document before its own scripts. Findings go to Python through an exposed binding (it
# survives navigations, unlike a window array); the array is kept too, for a person debugging in devtools.
WATCH_SCRIPT = r"""
(() => {
  if (window.__jxcJudgeWatching) return;
  window.__jxcJudgeWatching = true;
  const findings = window.__jxcJudgeFindings = [];
  const report = (kind, message) => {
    const finding = {kind, message: String(message), url: location.href};
    findings.push(finding);
    if (typeof window.__jxcJudge === "function") window.__jxcJudge(finding).catch(() => {});
  };
  document.addEventListener("securitypolicyviolation", (event) => {
    // An inline handler's violation is fired at its element: name it, the policy gives no sample.
    const where = event.target instanceof Element ? ` in ${event.target.outerHTML.slice(0, 160)}` : "";
    report("csp", `${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`
                  + ` at ${event.sourceFile || "the page"}:${event.lineNumber}${where} ${(event.sample || "").slice(0, 80)}`);
  }, true);
  // htmx dispatches its events with EventTarget.dispatchEvent (each also in kebab-case: reported once).
  const dispatch = EventTarget.prototype.dispatchEvent;
  EventTarget.prototype.dispatchEvent = function (event) {
    const type = event && event.type;
    if (typeof type === "string" && type.startsWith("htmx:") && (/Error$/.test(type) || type === "htmx:timeout")) {
      const detail = event.detail || {};
      const xhr = detail.xhr;
      const path = (detail.pathInfo && (detail.pathInfo.finalRequestPath || detail.pathInfo.requestPath))
                   || (detail.requestConfig && detail.requestConfig.path) || "";
      const parts = [xhr ? `${xhr.status} ${path}` : path];
      if (detail.error) parts.push(String(detail.error));
      if (detail.source) parts.push(String(detail.source).slice(0, 120));
      const where = this instanceof Element ? this : null;
      if (where) parts.push(`on <${where.tagName.toLowerCase()}${where.id ? "#" + where.id : ""}`
                            + `${where.getAttribute("hx-trigger") ? ` hx-trigger="${where.getAttribute("hx-trigger")}"` : ""}>`);
      report(type, parts.filter(Boolean).join(" "));
    }
    return dispatch.call(this, event);
  };
  const sideways = () => {
    const root = document.documentElement;
    if (root && root.scrollWidth > root.clientWidth) {
      const wide = [...document.body.querySelectorAll("*")]
        .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 0.5)
        .filter((el) => !el.parentElement || el.parentElement.getBoundingClientRect().right <= root.clientWidth + 0.5)
        .slice(0, 3).map((el) => el.tagName.toLowerCase() + (el.className ? "." + String(el.className).trim().split(/\s+/).join(".") : ""));
      report("sideways", `page scrolls sideways: ${root.scrollWidth} > ${root.clientWidth} px (${wide.join(", ")})`);
    }
  };
  let queued = false;
  const checkSoon = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => requestAnimationFrame(() => { queued = false; sideways(); }));
  };
  window.addEventListener("load", checkSoon);
  document.addEventListener("htmx:afterSettle", checkSoon);
  window.__jxcJudgeSideways = sideways;
})();
"""

SIDEWAYS = """() => {
  const root = document.documentElement;
  return root && root.scrollWidth > root.clientWidth ? `${root.scrollWidth} > ${root.clientWidth} px` : "";
}"""


@dataclass
class Expected:
    kind: str
    pattern: str

    def covers(self, finding: dict) -> bool:
        """Same kind, and the pattern found in the message or the address it came from."""
        said = f"{finding['message']} at {finding.get('url', '')}"
        return finding["kind"] == self.kind and re.search(self.pattern, said) is not None


@dataclass
class Judge:
    """Collects findings from the contexts it watches; `verdict()` fails the test on any not expected."""
    expected: list = field(default_factory=list)
    findings: list = field(default_factory=list)
    contexts: list = field(default_factory=list)

    def watch(self, context):
        """Watch every page of `context`, those open already and those to come."""
        self.contexts.append(context)
        context.expose_binding("__jxcJudge", lambda source, finding: self.findings.append(finding))
        context.add_init_script(WATCH_SCRIPT)
        for page in context.pages:
            self._watch_page(page)
        context.on("page", self._watch_page)
        return context

    def _watch_page(self, page):
        page.on("console", lambda message: message.type == "error" and self.findings.append(
            {"kind": "console", "message": message.text, "url": message.location.get("url", "") or page.url}))
        page.on("pageerror", lambda error: self.findings.append(
            {"kind": "pageerror", "message": f"{error.name}: {error.message}", "url": page.url}))

    def look_at_open_pages(self):
        """The last look: every page still open must not scroll sideways (this also delivers pending findings)."""
        for context in self.contexts:
            for page in context.pages:
                if page.is_closed():
                    continue
                try:
                    page.wait_for_load_state("load", timeout=2_000)
                    wide = page.evaluate(SIDEWAYS)
                except Exception:  # a page closing or navigating as the test ends has nothing left to judge
                    continue
                if wide:
                    detail = page.evaluate("() => window.__jxcJudgeSideways && window.__jxcJudgeSideways()")
                    self.findings.append({"kind": "sideways", "message": f"page scrolls sideways: {wide}",
                                          "url": page.url, "detail": detail})

    def unexpected(self) -> list:
        seen, out = set(), []
        for finding in self.findings:
            key = (finding["kind"], finding["message"], finding.get("url", ""))
            if key in seen or any(e.covers(finding) for e in self.expected):
                continue
            seen.add(key)
            out.append(finding)
        return out

    def summary(self) -> str:
        wrong = self.unexpected()
        return "\n".join(f"  [{f['kind']}] {f['message']}  (at {f.get('url', '')})" for f in wrong)

    def verdict(self):
        self.look_at_open_pages()
        wrong = self.unexpected()
        if wrong:
            pytest.fail(f"the browser found {len(wrong)} problem(s) a user would see:\n{self.summary()}",
                        pytrace=False)


def judge_for(request) -> Judge:
    """A judge that accepts what the test's `browser_expects` markers name, and nothing else."""
    expected = [Expected(*marker.args) for marker in request.node.iter_markers("browser_expects")]
    return Judge(expected=expected)
