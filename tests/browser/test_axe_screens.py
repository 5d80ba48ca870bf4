"""The main screens of every role, on a phone (390 x 844) and a tablet (1024 x 768), in Chinese, on the demo
company: axe-core finds nothing serious or critical, and every control is big enough to tap.

Touch targets (WCAG 2.5.5 and Apple's Human Interface Guidelines: 44 x 44): every visible link, button, input,
select, textarea, summary and [role=button] has a box of at least 44 x 44 CSS px. A checkbox or radio is
measured with its label (tapping the label ticks it). Exempt, as WCAG's "inline" exception says: a link inside
a sentence, whose size the line of text around it sets (its parent block has text of its own).
"""
import pytest

from tests.browser.conftest import PHONE, TABLET
from tests.browser.screens import AXE_SCRIPT, load_company, open_screen, other_screens, screens, sign_in_demo, snapshot

MIN_TARGET = 44

AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + (n.any[0] && n.any[0].message ? ` (${n.any[0].message})` : "")),
  }));
}"""

SMALL_TARGETS = """(least) => {
  const controls = "a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]";
  const describe = (el) => {
    const text = (el.innerText || el.value || el.getAttribute("aria-label") || el.name || "").trim().slice(0, 24);
    const cls = el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "";
    return `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${cls} "${text}"`;
  };
  const inSentence = (el) => {
    if (el.tagName !== "A" || getComputedStyle(el).display !== "inline") return false;
    const parent = el.parentElement;
    const own = [...parent.childNodes].filter((n) => n !== el).map((n) => n.textContent).join("").trim();
    return own.length > 0;
  };
  const box = (el) => {
    let rect = el.getBoundingClientRect();
    if ((el.type === "checkbox" || el.type === "radio") && el.labels && el.labels.length) {
      // The label ticks the box too: the target is what the two cover together.
      const rects = [rect, ...[...el.labels].map((label) => label.getBoundingClientRect())];
      const left = Math.min(...rects.map((r) => r.left)), right = Math.max(...rects.map((r) => r.right));
      const top = Math.min(...rects.map((r) => r.top)), bottom = Math.max(...rects.map((r) => r.bottom));
      rect = {width: right - left, height: bottom - top};
    }
    return rect;
  };
  const small = [];
  for (const el of document.querySelectorAll(controls)) {
    if (!el.checkVisibility({visibilityProperty: true}) || el.closest("[hidden], [aria-hidden=true]")) continue;
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) continue;
    if (inSentence(el)) continue;
    const target = box(el);
    if (target.width < least - 0.5 || target.height < least - 0.5) {
      small.push(`${describe(el)} ${Math.round(target.width)} x ${Math.round(target.height)}`);
    }
  }
  return [...new Set(small)];
}"""

ROLES = ["owner", "sales", "warehouse", "purchasing", "finance"]


def walk(page, screens_to_see) -> list[str]:
    """Open each screen, run axe-core and measure its controls; returns what a user would trip on."""
    problems = []
    for name, address in screens_to_see:
        open_screen(page, address)
        snapshot(page, name)
        page.add_script_tag(url=AXE_SCRIPT)  # from static/, so the page's own CSP lets it run
        for finding in page.evaluate(AXE):
            problems.append(f"{name} {address}: axe {finding['impact']} {finding['id']}: {finding['help']}\n      "
                            + "\n      ".join(finding["targets"]))
        for small in page.evaluate(SMALL_TARGETS, MIN_TARGET):
            problems.append(f"{name} {address}: target under {MIN_TARGET} px: {small}")
    return problems


@pytest.mark.parametrize("viewport", [PHONE, TABLET], ids=["phone", "tablet"])
@pytest.mark.parametrize("role", ROLES)
def test_main_screens_pass_axe_and_have_44px_targets(new_page, app, role, viewport):
    ids = load_company()
    page = new_page(viewport)
    sign_in_demo(page, role)
    problems = walk(page, screens(role, ids))
    assert not problems, f"{len(problems)} problems:\n  " + "\n  ".join(problems)


# At the phone's size only: the tablet's layout of these screens is the phone's, wider (the main screens above are
# walked at both sizes), and the walk of some 60 screens is among the longest tests of the suite.
@pytest.mark.parametrize("viewport", [PHONE], ids=["phone"])
def test_every_other_owner_screen_passes_axe_and_has_44px_targets(new_page, app, viewport):
    ids = load_company()
    page = new_page(viewport)
    sign_in_demo(page, "owner")
    problems = walk(page, other_screens(ids))
    assert not problems, f"{len(problems)} problems:\n  " + "\n  ".join(problems)


def test_axe_is_served_from_static_but_never_loaded_by_the_app(new_page, app, live_server):
    """The tests inject it; a user's page never downloads it."""
    ids = load_company()
    page = new_page(PHONE)
    loaded = []
    page.on("request", lambda request: loaded.append(request.url))
    sign_in_demo(page, "owner")
    open_screen(page, f"/orders/{ids['order']}")
    assert not [url for url in loaded if "axe" in url]
    assert page.request.get(AXE_SCRIPT).ok
