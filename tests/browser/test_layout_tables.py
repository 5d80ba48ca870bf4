"""Report tables and dashboard figures on a tablet (1024 x 768) and a phone (390 x 844), in Chinese, on the demo
company: a product name keeps a readable width, a number stays on one line, a wide table scrolls inside its card
(the page never scrolls sideways) and its first column stays in view while it does."""
import pytest

from tests.browser.conftest import PHONE, TABLET
from tests.browser.screens import load_company, open_screen, sign_in_demo, snapshot

REPORTS = [("inventory-summary", "/reports/inventory/summary"), ("turnover", "/reports/inventory/turnover"),
           ("abc", "/reports/inventory/abc"), ("sales", "/reports/sales?group_by=product"),
           ("receivables", "/reports/receivables")]

# Per table: how its text cells and number cells are laid out. A cell's lines are the distinct tops of its text.
LINES = """(el) => {
  const rects = [];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    rects.push(...[...range.getClientRects()].filter((r) => r.width > 0));
  }
  rects.sort((a, b) => a.top - b.top);
  let count = 0, bottom = -Infinity;
  for (const r of rects) {  // a rect starting below the current line's middle starts a new line
    if (r.top >= bottom - r.height / 2) { count += 1; bottom = r.bottom; } else bottom = Math.max(bottom, r.bottom);
  }
  return count;
}"""

MEASURE = """() => {
  const lines = """ + LINES + """;
  const em = (cell) => parseFloat(getComputedStyle(cell).fontSize);
  return [...document.querySelectorAll("table.report-figures")].map((table) => {
    const cells = [...table.querySelectorAll("td, th")].filter((c) => c.textContent.trim());
    const text = cells.filter((c) => !c.classList.contains("num") && c.tagName === "TD");
    return {
      squeezed: text.filter((c) => c.getBoundingClientRect().width < 6 * em(c) && lines(c) > 2)
        .map((c) => `"${c.textContent.trim().slice(0, 20)}" ${Math.round(c.getBoundingClientRect().width)} px, ${lines(c)} lines`),
      wrapped: cells.filter((c) => c.classList.contains("num") && lines(c) > 1)
        .map((c) => `"${c.textContent.trim()}" on ${lines(c)} lines`),
      wrapper: !!table.closest(".table-scroll"),
    };
  });
}"""

# Scroll each table's wrapper to its far end: the page itself must not move, and the first column must still be
# where it was, fully inside the wrapper.
SCROLL = """() => [...document.querySelectorAll(".table-scroll")].filter((w) => w.querySelector("table.report-figures"))
  .map((wrapper) => {
    const first = wrapper.querySelector("tbody tr td");
    const before = first.getBoundingClientRect().left;
    const wide = wrapper.scrollWidth > wrapper.clientWidth;
    wrapper.scrollLeft = wrapper.scrollWidth;
    const box = wrapper.getBoundingClientRect(), cell = first.getBoundingClientRect();
    const result = {wide, scrolled: wrapper.scrollLeft, kept: Math.abs(cell.left - before) < 1 && cell.left >= box.left - 1
      && cell.right <= box.right + 1, opaque: getComputedStyle(first).backgroundColor !== "rgba(0, 0, 0, 0)"};
    wrapper.scrollLeft = 0;
    return result;
  })"""

PAGE_WIDE = "document.documentElement.scrollWidth > document.documentElement.clientWidth"


@pytest.mark.parametrize("viewport", [TABLET, PHONE], ids=["tablet", "phone"])
def test_report_tables_scroll_in_their_card_with_names_readable_and_numbers_whole(new_page, app, viewport):
    load_company()
    page = new_page(viewport)
    sign_in_demo(page, "owner")
    problems = []
    for name, address in REPORTS:
        open_screen(page, address)
        snapshot(page, name)
        tables = page.evaluate(MEASURE)
        assert tables, f"{address} has no table"
        for table in tables:
            problems += [f"{name}: name squeezed: {cell}" for cell in table["squeezed"]]
            problems += [f"{name}: number wrapped: {cell}" for cell in table["wrapped"]]
            if not table["wrapper"]:
                problems.append(f"{name}: a table outside a .table-scroll wrapper")
        if page.evaluate(PAGE_WIDE):
            problems.append(f"{name}: the page scrolls sideways")
        for wrapper in page.evaluate(SCROLL):
            if wrapper["wide"] and not (wrapper["scrolled"] > 0 and wrapper["kept"] and wrapper["opaque"]):
                problems.append(f"{name}: scrolling the table lost its first column: {wrapper}")
    assert not problems, "\n".join(problems)


def test_a_wide_inventory_table_scrolls_inside_its_card_on_a_phone(new_page, app):
    """The phone is where the inventory summary is wider than its card: prove the wrapper really scrolls."""
    load_company()
    page = new_page(PHONE)
    sign_in_demo(page, "owner")
    open_screen(page, "/reports/inventory/summary")
    (wrapper, *_) = page.evaluate(SCROLL)
    assert wrapper["wide"] and wrapper["scrolled"] > 0 and wrapper["kept"] and wrapper["opaque"], wrapper
    assert not page.evaluate(PAGE_WIDE)


@pytest.mark.parametrize("viewport", [TABLET, PHONE], ids=["tablet", "phone"])
def test_dashboard_amounts_stay_on_one_line(new_page, app, viewport):
    load_company()
    page = new_page(viewport)
    sign_in_demo(page, "owner")
    open_screen(page, "/reports/")
    snapshot(page, "dashboard")
    figures = page.evaluate("""() => { const lines = """ + LINES + """;
      return [...document.querySelectorAll(".dash-figure, .dash-top-figures")].map((el) => [el.textContent.trim(), lines(el)]);
    }""")
    assert figures and all(text for text, _ in figures)
    assert [text for text, count in figures if count > 1] == []
    assert not page.evaluate(PAGE_WIDE)
