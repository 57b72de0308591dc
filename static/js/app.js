// Small progressive enhancements. Every feature here has a plain-HTML fallback, and
// nothing is inline so the Content-Security-Policy can forbid inline script.
(function () {
  "use strict";

  // Styles that only make sense with this script (the filter drawer) key on it.
  document.documentElement.classList.add("js");

  function isTyping(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  // "/" jumps to the search box, as on most search sites.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target)) return;
    var box = document.querySelector("[data-search-box]");
    if (!box) return;
    event.preventDefault();
    box.focus();
    box.select();
  });

  // The label's markup (with its screen-reader text) as it was before "Copied".
  var copyLabels = new WeakMap();
  var copyTimers = new WeakMap();

  function copyText(text, button) {
    if (!navigator.clipboard) return Promise.reject(new Error("no clipboard"));
    return navigator.clipboard.writeText(text).then(function () {
      if (!copyLabels.has(button)) copyLabels.set(button, button.innerHTML);
      window.clearTimeout(copyTimers.get(button));
      button.textContent = "Copied";
      button.classList.add("is-copied");
      copyTimers.set(
        button,
        window.setTimeout(function () {
          button.innerHTML = copyLabels.get(button);
          copyLabels.delete(button);
          button.classList.remove("is-copied");
        }, 1600)
      );
    });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-copy]");
    if (link && navigator.clipboard) {
      event.preventDefault();
      history.replaceState(history.state, "", link.getAttribute("href"));
      copyText(link.dataset.copy, link).catch(function () {
        window.location.hash = link.hash;
      });
      return;
    }
    var button = event.target.closest("button[data-copy-from]");
    if (button) {
      var source = document.getElementById(button.dataset.copyFrom);
      if (source) copyText(source.textContent.trim(), button).catch(function () {});
    }
  });

  // Accents and case do not count: "turkiye" finds Türkiye. The server folds the
  // aliases in data-aliases the same way.
  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/\s+/g, " ").trim();
  }

  // Filter boxes for long facet lists: hide values whose name and other names
  // (data-aliases, e.g. "Turkey" for Türkiye) do not contain the text. A list sent
  // truncated is fetched whole first; the swap restores the text and filters again.
  function filterFacet(input) {
    var section = document.getElementById(input.dataset.facetFilter);
    if (!section) return;
    var needle = fold(input.value);
    var truncated = section.querySelector("a[data-truncated]");
    if (needle && truncated && !truncated.dataset.loading) {
      truncated.dataset.loading = "1";
      truncated.click();
    }
    var shown = 0;
    section.querySelectorAll(".facet-values > li").forEach(function (item) {
      var link = item.querySelector("a");
      var label = item.querySelector(".facet-label");
      var names = [label ? fold(label.textContent) : ""].concat(
        link && link.dataset.aliases ? link.dataset.aliases.split("|") : []
      );
      var match = !needle || names.some(function (name) {
        return name.indexOf(needle) !== -1;
      });
      item.hidden = !match;
      if (match) shown += 1;
    });
    var none = section.querySelector(".facet-no-match");
    if (none) none.hidden = shown > 0;
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches("[data-facet-filter]")) filterFacet(event.target);
    if (event.target.matches("[data-kind-select]")) syncKind(event.target);
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-kind-select]")) syncKind(event.target);
    // A count is about the selection it was made for; a changed selection voids it.
    if (event.target.form && event.target.form.id === "bulk-tag-form") {
      var status = document.getElementById("bulk-tag-status");
      if (status) status.textContent = "";
    }
  });

  // The bulk-tag count shows what was wrong (a 400) in place, like a success.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "bulk-tag-status" && event.detail.xhr.status === 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // "Show context" loads the neighbours once, then shows and hides them. Without
  // JavaScript it is a link to the context page.
  function contextSlot(link) {
    return document.getElementById(link.dataset.contextToggle);
  }

  function setContextOpen(link, open) {
    var slot = contextSlot(link);
    if (slot) slot.hidden = !open;
    link.setAttribute("aria-expanded", open ? "true" : "false");
    link.textContent = open ? "Hide context" : "Show context";
  }

  document.addEventListener("htmx:confirm", function (event) {
    var link = event.detail.elt;
    if (!link.matches || !link.matches("[data-context-toggle]")) return;
    var slot = contextSlot(link);
    if (!slot || !slot.firstElementChild) return;
    event.preventDefault();
    setContextOpen(link, link.getAttribute("aria-expanded") !== "true");
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var slot = event.detail.target;
    if (!slot || !slot.classList.contains("context-slot")) return;
    var link = document.querySelector('[data-context-toggle="' + CSS.escape(slot.id) + '"]');
    if (link) setContextOpen(link, true);
  });

  // The export menu is a <details> dropdown: Escape or a click elsewhere closes it.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = event.target.closest && event.target.closest("details.dropdown[open]");
    if (!open) return;
    open.open = false;
    open.querySelector("summary").focus();
  });
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.dropdown[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });

  // The bulk-tag toolbar offers only the tags of the chosen kind.
  function syncKind(select) {
    var values = document.getElementById(select.dataset.kindSelect);
    if (!values) return;
    var firstEnabled = null;
    values.querySelectorAll("optgroup").forEach(function (group) {
      var on = group.dataset.kind === select.value;
      group.disabled = !on;
      group.hidden = !on;
      if (on && !firstEnabled) firstEnabled = group.querySelector("option");
    });
    var current = values.selectedOptions[0];
    if ((!current || current.parentElement.disabled) && firstEnabled) firstEnabled.selected = true;
  }

  function enhance(root) {
    root.querySelectorAll(".facet-filter[hidden]").forEach(function (box) {
      box.hidden = false;
    });
    root.querySelectorAll("[data-copy-from][hidden]").forEach(function (button) {
      if (navigator.clipboard) button.hidden = false;
    });
    root.querySelectorAll("[data-kind-select]").forEach(syncKind);
    var open = Boolean(region() && region().classList.contains("drawer-open"));
    root.querySelectorAll("[data-drawer-open]").forEach(function (link) {
      link.setAttribute("aria-expanded", open ? "true" : "false");
    });
    root.querySelectorAll("[data-context-toggle]").forEach(function (link) {
      link.setAttribute("aria-controls", link.dataset.contextToggle);
      if (!link.hasAttribute("aria-expanded")) link.setAttribute("aria-expanded", "false");
    });
  }

  // Swaps replace the results region; keep the user's place in it: which "show more"
  // lists were open, what the facet filter boxes held, and which control had focus.
  var saved = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "results-region") return;
    var active = document.activeElement;
    saved = {
      open: Array.prototype.map.call(target.querySelectorAll("details[open][id]"), function (d) {
        return d.id;
      }),
      filters: Array.prototype.map.call(target.querySelectorAll("[data-facet-filter]"), function (f) {
        return [f.id, f.value];
      }),
      hadFocus: Boolean(active && target.contains(active)),
      focus: active && target.contains(active) ? active.dataset.focusKey || null : null,
    };
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "results-region" || !saved) return;
    var state = saved;
    saved = null;
    state.open.forEach(function (id) {
      var details = document.getElementById(id);
      if (details) details.open = true;
    });
    state.filters.forEach(function (pair) {
      var input = document.getElementById(pair[0]);
      if (input && pair[1]) {
        input.value = pair[1];
        filterFacet(input);
      }
    });
    if (!state.hadFocus) return;
    var again = state.focus
      ? target.querySelector('[data-focus-key="' + CSS.escape(state.focus) + '"]')
      : null;
    // The control that was used may be gone (a removed chip); land on the results.
    (again || document.getElementById("results-title")).focus();
  });

  // Links in the results ("Did you mean", "Browse the whole library") change q without
  // going through the search box, so the box follows the q each swap carries. It is
  // left alone for the search form's own requests (the box is their source, and a
  // trailing space being typed must survive) and when the user has typed since the
  // request left, so a late response never overwrites typing.
  var boxAtRequest = new WeakMap();
  document.addEventListener("htmx:beforeRequest", function (event) {
    var box = document.getElementById("q");
    if (box && event.detail.elt !== box.form) boxAtRequest.set(event.detail.xhr, box.value);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    // detail.elt here is the swapped element, not the one that made the request.
    var target = event.detail.target;
    var box = document.getElementById("q");
    if (!target || target.id !== "results-region" || event.target !== target || !box) return;
    var state = target.querySelector("[data-search-q]");
    if (!state || !boxAtRequest.has(event.detail.xhr)) return;
    if (box.value !== boxAtRequest.get(event.detail.xhr)) return;
    if (box.value !== state.dataset.searchQ) box.value = state.dataset.searchQ;
  });

  // The filter drawer on narrow screens. Its state is a class on the results region,
  // which swaps keep (they replace what is inside it), so a tap on a filter leaves
  // the drawer open with the new count on its "Show N results" button.
  function region() {
    return document.getElementById("results-region");
  }

  function setDrawer(open) {
    var target = region();
    if (!target) return;
    target.classList.toggle("drawer-open", open);
    document.body.classList.toggle("drawer-locked", open);
    var opener = target.querySelector("[data-drawer-open]");
    if (opener) opener.setAttribute("aria-expanded", open ? "true" : "false");
    var focus = open ? document.getElementById("facets-title") : opener;
    if (focus) focus.focus();
  }

  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-drawer-open]");
    var closer = event.target.closest("[data-drawer-close]");
    if (!opener && !closer) return;
    if (!window.matchMedia("(max-width: 52rem)").matches) return;
    event.preventDefault();
    setDrawer(Boolean(opener));
  });
  document.addEventListener("keydown", function (event) {
    var target = region();
    if (event.key === "Escape" && target && target.classList.contains("drawer-open")) {
      setDrawer(false);
    }
  });

  // An address keeps only the fields that were filled in ("year_to=" is dropped).
  document.addEventListener("htmx:configRequest", function (event) {
    var data = event.detail.formData;
    if (!data || event.detail.verb !== "get") return;
    var names = [];
    data.forEach(function (value, name) {
      if (typeof value === "string" && !value.trim() && names.indexOf(name) === -1) names.push(name);
    });
    names.forEach(function (name) {
      var kept = data.getAll(name).filter(function (value) {
        return typeof value !== "string" || value.trim();
      });
      data.delete(name);
      kept.forEach(function (value) {
        data.append(name, value);
      });
    });
  });

  // History: typing a word is one entry. The first pause in typing pushes an
  // entry and later ones replace it; submitting, facet clicks, paging and sorting
  // push. An address that is already the current one is never pushed twice.
  var typingEntry = false;
  document.addEventListener("htmx:beforeHistoryUpdate", function (event) {
    var history = event.detail.history;
    var config = event.detail.requestConfig || {};
    var typed = Boolean(config.triggeringEvent && config.triggeringEvent.type === "input");
    var here = location.pathname + location.search;
    if (history.type === "push" && (history.path === here || (typed && typingEntry))) {
      history.type = "replace";
    }
    typingEntry = typed;
  });
  window.addEventListener("popstate", function () {
    typingEntry = false;
  });

  // Loading: the results dim as soon as they stop matching the box (typing) or a
  // request leaves, and the indicator shows after 200 ms (CSS). Only the newest
  // request clears the state: hx-sync has aborted the older ones.
  var latest = null;
  document.addEventListener("input", function (event) {
    var target = region();
    if (!target || event.target.id !== "q") return;
    var state = target.querySelector("[data-search-q]");
    var stale = !state || state.dataset.searchQ !== event.target.value.trim();
    target.classList.toggle("is-loading", stale || Boolean(latest));
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = region();
    if (!target || event.detail.target !== target) return;
    latest = event.detail.xhr;
    target.classList.add("is-loading");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var target = region();
    if (!target || event.detail.xhr !== latest) return;
    latest = null;
    target.classList.remove("is-loading");
  });

  if (window.htmx) {
    window.htmx.onLoad(enhance);
  } else {
    document.addEventListener("DOMContentLoaded", function () {
      enhance(document);
    });
  }
})();
