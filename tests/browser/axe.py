"""Accessibility checks in a Playwright page: axe-core's WCAG 2.1 A and AA rules, horizontal scrolling,
and the size of what a finger has to hit.

axe-core comes from the npm registry, pinned in package.json and installed by `make install` into
node_modules: it is read from disk, nothing is downloaded while the tests run. Our
Content-Security-Policy forbids inline scripts, so the browser contexts that run axe are opened with
`bypass_csp=True` (`AXE_CONTEXT`): the policy is tested elsewhere (tests/core), not here.
"""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Options of `browser.new_context` for the pages axe checks: a small phone, in French.
PHONE = {"width": 375, "height": 667}
AXE_CONTEXT = {"bypass_csp": True, "locale": "fr-FR", "viewport": PHONE}

# What a user can press: links, buttons, fields, summaries, and what a script made pressable.
INTERACTIVE = (
    "a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [role=link], "
    "[role=checkbox], [role=radio], [role=tab], [tabindex]:not([tabindex='-1'])"
)


def axe_violations(page) -> list[str]:
    """The violations of WCAG 2.1 A/AA rules axe finds in the page as it is now, one readable line per
    element: rule, impact, CSS target, what the rule asks (and where to read about it)."""
    if not AXE_SCRIPT.exists():
        pytest.fail(f"axe-core introuvable ({AXE_SCRIPT}) : lancez `make install` (npm ci).")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})
             .then(r => r.violations.map(v => ({
                 id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
                 nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
             })))""",
        WCAG_TAGS,
    )
    lines = []
    for violation in result:
        for node in violation["nodes"]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(
                f"{violation['id']} ({violation['impact']}) sur {node['target']} : {violation['help']}"
                f" — {summary} [{violation['url']}]"
            )
    return lines


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the window (0: no horizontal scrolling)."""
    return page.evaluate("Math.max(0, document.scrollingElement.scrollWidth - window.innerWidth)")


def small_targets(page, minimum: int, *, spacing: bool = False) -> list[str]:
    """The visible interactive elements smaller than `minimum` × `minimum` CSS pixels, as readable lines.

    A checkbox or a radio button counts with its label (pressing the label ticks it). Not counted:
    what is hidden or visually hidden (`.sr-only`, the skip link until it is focused), and links inside
    a sentence (the inline exception: their size follows the text around them). With `spacing`, WCAG
    2.2's 2.5.8 spacing exception applies: a smaller target passes when a circle of `minimum` pixels
    across, centred on it, touches no other target nor the circle of another small target."""
    return page.evaluate(
        r"""([selector, minimum, spacing]) => {
            const visible = el => {
                const style = getComputedStyle(el);
                if (style.visibility === "hidden" || style.display === "none") return false;
                const box = el.getBoundingClientRect();
                if (box.width <= 1 || box.height <= 1) return false;           // .sr-only
                if (box.bottom <= 0 || box.right <= 0) return false;           // skip link, off screen
                return !el.closest("[hidden], [aria-hidden=true], .sr-only");
            };
            const inSentence = el => {
                if (el.tagName !== "A") return false;
                const block = el.parentElement;
                const prose = ["P", "LI", "TD", "DD", "SPAN", "SMALL", "EM", "STRONG"];
                if (!block || !prose.includes(block.tagName)) return false;
                const text = Array.from(block.childNodes)
                    .filter(node => node !== el && node.nodeType === Node.TEXT_NODE)
                    .map(node => node.textContent.trim()).join("");
                return text.length > 0;
            };
            const name = el => {
                const label = el.getAttribute("aria-label") || el.textContent || el.value || el.name || "";
                return label.replace(/\s+/g, " ").trim().slice(0, 50);
            };
            const targets = [];
            for (const el of document.querySelectorAll(selector)) {
                if (!visible(el)) continue;
                const box = el.getBoundingClientRect();
                let left = box.left, top = box.top, right = box.right, bottom = box.bottom;
                if (el.type === "checkbox" || el.type === "radio") {
                    for (const label of el.labels || []) {
                        const b = label.getBoundingClientRect();
                        left = Math.min(left, b.left); top = Math.min(top, b.top);
                        right = Math.max(right, b.right); bottom = Math.max(bottom, b.bottom);
                    }
                }
                const width = right - left, height = bottom - top;
                targets.push({
                    el, left, top, right, bottom, width, height,
                    x: (left + right) / 2, y: (top + bottom) / 2,
                    small: width < minimum - 0.5 || height < minimum - 0.5,
                    exempt: inSentence(el),
                });
            }
            const radius = minimum / 2;
            const distanceToBox = (t, o) => {
                const dx = Math.max(o.left - t.x, 0, t.x - o.right);
                const dy = Math.max(o.top - t.y, 0, t.y - o.bottom);
                return Math.hypot(dx, dy);
            };
            const neighbour = t => targets.find(o => {
                if (o === t || o.el.contains(t.el) || t.el.contains(o.el)) return false;
                if (o.el.labels && Array.from(o.el.labels).some(l => l.contains(t.el))) return false;
                if (o.small) return Math.hypot(o.x - t.x, o.y - t.y) < minimum;
                return distanceToBox(t, o) < radius;
            });
            const problems = [];
            for (const t of targets) {
                if (!t.small || t.exempt) continue;
                const near = spacing ? neighbour(t) : null;
                if (spacing && !near) continue;
                const el = t.el;
                const id = el.id ? "#" + el.id : (el.className && typeof el.className === "string"
                    ? "." + el.className.trim().split(/\s+/).join(".") : "");
                const tag = el.tagName.toLowerCase();
                const size = `${Math.round(t.width)} × ${Math.round(t.height)} px`;
                const beside = near ? `, trop près de « ${name(near.el)} »` : "";
                problems.push(`${tag}${id} « ${name(el)} » : ${size}${beside}`);
            }
            return problems;
        }""",
        [INTERACTIVE, minimum, spacing],
    )
