"""Make the browser the judge, for the tests of helper "screens" until tests/browser/conftest.py does it for all:
a test fails on any console error, uncaught page error, Content-Security-Policy violation or htmx error event,
on every page the test's context opens (the listeners are installed again after each navigation)."""
HTMX_ERRORS = ("htmx:responseError", "htmx:sendError", "htmx:evalDisallowedError", "htmx:swapError",
               "htmx:targetError")

LISTEN = """
(() => {
  const report = (kind, text) => { try { window.jxcBrowserProblem(kind, String(text)); } catch (error) {} };
  document.addEventListener("securitypolicyviolation",
    (event) => report("csp", `${event.violatedDirective} blocked ${event.blockedURI || "inline"} on ` +
                             `${location.pathname} (${event.sourceFile || "the page"}:${event.lineNumber})`));
  for (const name of %s) {
    document.addEventListener(name, (event) => {
      const xhr = event.detail && event.detail.xhr;
      report(name, xhr ? `${xhr.status} ${xhr.responseURL}` : (event.detail && event.detail.error) || "");
    });
  }
})();
""" % list(HTMX_ERRORS)


def watch(page, answers=()) -> list[str]:
    """Start listening on `page` (and its later navigations); returns the list the problems land in.

    `answers`: HTTP statuses the screen under test gives by design (a refused scan is 422); Chromium logs every
    4xx fetch as a console error, which for these is no problem. Any other console error is.
    """
    problems: list[str] = []
    expected = tuple(f"the server responded with a status of {status} " for status in answers)

    def console(message):
        if message.type == "error" and not any(text in message.text for text in expected):
            problems.append(f"console: {message.text}")
    page.context.expose_binding("jxcBrowserProblem", lambda _source, kind, text: problems.append(f"{kind}: {text}"))
    page.context.add_init_script(LISTEN)
    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    return problems


def assert_no_problems(problems: list[str]):
    assert problems == [], "the browser saw problems:\n" + "\n".join(problems)
