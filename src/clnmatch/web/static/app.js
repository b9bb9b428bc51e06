/* clnmatch matching event: drag, keys, live updates. Every rule is checked on the server. */
(function () {
  "use strict";
  var token = document.querySelector('meta[name="clnmatch-token"]').content;
  var role = document.body.dataset.role;
  var editor = role === "editor";
  var selected = null;

  document.body.addEventListener("htmx:configRequest", function (e) {
    e.detail.headers["Authorization"] = "Bearer " + token;
    // Undo and Redo name the board they were pressed on, read as they are sent (after the
    // decisions queued before them): one pressed on two laptops at once is made once
    if (/^\/ui\/(undo|redo)$/.test(e.detail.path)) e.detail.parameters.version = currentVersion();
  });

  function showError(text) {
    var box = document.getElementById("error");
    if (!box) return;
    box.textContent = text;
    box.title = "Click or press Esc to close";
    box.hidden = false;
    box.onclick = function () { box.hidden = true; };
    // kept until closed (Esc, a click) or a decision is made: it hid itself after 8-30 s,
    // a long refusal of pasted rows while they were still being mended (WCAG 2.2.1)
  }

  document.body.addEventListener("htmx:responseError", function (e) {
    var text = e.detail.xhr.responseText;
    try { text = JSON.parse(text).error; } catch (err) { /* plain text */ }
    showError(text || "The server refused that.");
    // a refused decision: show the board as it stands; a failed read changed nothing (and
    // reloading the board would reload the panel that asked it: a loop)
    var config = e.detail.requestConfig;
    if (config && config.verb !== "get") refresh();
  });

  // withdrawals and late schools are repaired on the server (up to seconds): say so meanwhile
  var slow = { "/ui/withdraw": "Withdrawing: repairing the teams with the fewest moves ...",
    "/ui/withdraw_person": "Withdrawing: repairing the teams with the fewest moves ...",
    "/ui/return_person": "Bringing them back: repairing the teams with the fewest moves ...",
    "/ui/withdraw_facilitator": "Withdrawing: linking the teams to facilitators again ...",
    "/ui/return_facilitator": "Bringing them back: linking the teams to facilitators again ...",
    "/ui/add_facilitator": "Adding the facilitator: linking the teams to facilitators again ...",
    "/ui/add": "Adding the school: placing it with the fewest moves ...",
    "/ui/export": "Saving every file in the event folder ..." };
  var pending = 0;
  function slowText(e) {
    var config = e.detail.requestConfig;
    return config && config.verb === "post" ? slow[e.detail.pathInfo.requestPath] : undefined;
  }
  document.body.addEventListener("htmx:beforeRequest", function (e) {
    var text = slowText(e);
    if (!text) return;
    pending += 1;
    var box = document.getElementById("busy");
    if (box) { box.textContent = text; box.hidden = false; }
  });
  document.body.addEventListener("htmx:afterRequest", function (e) {
    // a decision made: an earlier refusal's notice is stale (it read as if this one failed)
    var config = e.detail.requestConfig;
    if (e.detail.successful && config && config.verb === "post") {
      var notice = document.getElementById("error");
      if (notice) notice.hidden = true;
    }
    if (!slowText(e)) return;
    pending = Math.max(0, pending - 1);
    var box = document.getElementById("busy");
    if (box && pending === 0) box.hidden = true;
    // a school added: its form (list and pasted rows) is done with; kept if refused
    if (e.detail.successful && e.detail.pathInfo.requestPath === "/ui/add") {
      var panel = document.getElementById("panel");
      if (panel && panel.querySelector("#add-form, .add")) setPanel("");
    }
  });

  // a request the server never answered: what the page shows may not be what it holds
  var stale = false;
  var NO_ANSWER = "The server did not answer, so that may not have been done: is clnmatch event still running? Start it again: everything it recorded is kept, and the board then shows it (check there before doing it again).";
  document.body.addEventListener("htmx:sendError", function () {
    stale = true;
    showError(NO_ANSWER);
  });
  // the server answers again (restarted): the board is redrawn as it holds it, and the
  // notice that it did not answer is gone (it stayed, red, until closed)
  function serverBack() {
    stale = false;
    var box = document.getElementById("error");
    if (box && box.textContent === NO_ANSWER) box.hidden = true;
    refresh();
  }

  function liveUrl() {
    if (role === "projector") {
      return "/ui/live?view=projector&names=" + document.body.dataset.names;
    }
    return "/ui/live";
  }

  // every request of the page: a server gone meanwhile (stopped, or killed and restarted)
  // rejects htmx's promise; htmx:sendError has told the user, the stream reconnects and
  // the next change asks again, so the rejection is handled here, never left to the page
  function ask(method, url, options) {
    return htmx.ajax(method, url, options).catch(function () {});
  }

  // a request htmx queued behind another (every request here has the body as its source)
  // is re-issued with a promise nobody holds; when that one fails, htmx rejects it with
  // no reason. The failure is already shown (htmx:sendError); only that rejection is
  // dropped, any other still reaches the console
  window.addEventListener("unhandledrejection", function (e) {
    if (e.reason === undefined) e.preventDefault();
  });

  // a facilitator's decision done: the panel shows the links as they are now (a refused
  // one keeps the panel, and what was typed in it, as it was)
  document.body.addEventListener("htmx:afterRequest", function (e) {
    var path = e.detail.pathInfo && e.detail.pathInfo.requestPath;
    if (e.detail.successful && /^\/ui\/(withdraw|return|add|place)_facilitator$/.test(path || "")) {
      askPanel("GET", "/ui/facilitators");
    }
  });

  // answers may arrive out of order (a refresh asked before a decision, answered after
  // it): a board older than the one shown is never swapped in
  document.body.addEventListener("htmx:beforeSwap", function (e) {
    if (!e.detail.target || e.detail.target.id !== "live") return;
    var found = /data-version="(\d+)"/.exec(e.detail.serverResponse || "");
    if (found && parseInt(found[1], 10) < currentVersion()) e.detail.shouldSwap = false;
  });

  function refresh() {  // in the decisions' queue: boards arrive in the order asked
    return ask("GET", liveUrl(), { source: sources.decision, target: "#live", swap: "outerHTML" });
  }

  // htmx keeps one waiting request per source element and drops the others, so each kind
  // of request has its own source: decisions queue, every one of them, in order (also
  // while a re-optimise runs); cancel is never held behind anything
  function source(name, sync) {
    var el = document.createElement("span");
    el.hidden = true;
    el.dataset.source = name;
    if (sync) el.setAttribute("hx-sync", sync);
    document.body.appendChild(el);
    return el;
  }
  var sources = { decision: source("decision", "this:queue all"), search: source("search"),
    cancel: source("cancel") };

  function post(url, values, target, kind) {
    return ask("POST", url, { source: sources[kind || "decision"], values: values || {},
      target: target || "#live", swap: "outerHTML" });
  }

  function currentVersion() {
    var live = document.getElementById("live");
    return live ? parseInt(live.dataset.version, 10) : -1;
  }

  function select(card) {
    document.querySelectorAll(".card.selected").forEach(function (c) { c.classList.remove("selected"); });
    selected = card ? card.dataset.id : null;
    if (!card) return;
    card.classList.add("selected");
    openPanel("/ui/school/" + encodeURIComponent(selected));
  }

  // a panel a person opened takes the keyboard's focus when it arrives (its heading), and
  // gives it back to what opened it when it closes; panels refreshed by the page do not
  var opener = null;
  var focusPanel = false;
  function openPanel(url) {
    opener = document.activeElement;
    focusPanel = true;
    return askPanel("GET", url);
  }

  // the panel shows what was last asked of it: an answer overtaken by a later request, or
  // by the panel closing (a proposal closes it on a phone), is not swapped in
  var panelAsked = 0;
  function askPanel(method, url) {
    panelAsked += 1;
    return ask(method, url, { target: "#panel", swap: "innerHTML",
      headers: { "X-Panel-Request": String(panelAsked) } });
  }
  function setPanel(html) {
    panelAsked += 1;
    document.getElementById("panel").innerHTML = html;
  }
  document.body.addEventListener("htmx:beforeSwap", function (e) {
    if (!e.detail.target || e.detail.target.id !== "panel") return;
    var headers = e.detail.requestConfig && e.detail.requestConfig.headers;
    var asked = headers && parseInt(headers["X-Panel-Request"], 10);
    if (asked && asked < panelAsked) e.detail.shouldSwap = false;
  });
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (!e.detail.target || e.detail.target.id !== "panel") return;
    // opened by a person, or refreshed while the focus was in it (the swap dropped it)
    var lost = document.activeElement === document.body || !document.activeElement;
    if (!focusPanel && !lost) return;
    focusPanel = false;
    var heading = e.detail.target.querySelector("h2");
    if (heading) heading.focus();
  });

  // what had the focus before a panel opened: the element, or the school it showed (a
  // board redrawn since holds another element for that school)
  function returnFocus() {
    if (!opener) return;
    var back = opener;
    if (!document.body.contains(back) && back.classList && back.classList.contains("card")) {
      back = document.querySelector('.card[data-id="' + CSS.escape(back.dataset.id) + '"]');
    } else if (!document.body.contains(back) && back.classList && back.classList.contains("team-number")) {
      back = document.querySelector('.team-number[data-team="' + CSS.escape(back.dataset.team) + '"]');
    }
    if (back && document.body.contains(back)) back.focus();
  }

  function restoreSelection() {
    if (!selected) return;
    var card = document.querySelector('.card[data-id="' + CSS.escape(selected) + '"]');
    if (card) card.classList.add("selected");
  }

  function initSortables() {
    if (!editor || typeof Sortable === "undefined") return;
    document.querySelectorAll(".cards[data-team]").forEach(function (list) {
      if (list.dataset.sortable) return;
      list.dataset.sortable = "1";
      Sortable.create(list, {
        group: "teams",
        animation: 120,
        forceFallback: true,
        fallbackTolerance: 4,
        draggable: ".card:not(.locked)",
        filter: ".locked",
        onEnd: function (ev) {
          if (ev.to === ev.from) return;
          selected = ev.item.dataset.id;
          dragged = ev.item.dataset.id;  // already in its new list: marked after the redraw
          post("/ui/move", { establishment_id: ev.item.dataset.id, team: ev.to.dataset.team });
        }
      });
    });
  }

  // where each school was before the board is redrawn: a school that changed team (or
  // arrived, as a late school does) is marked for a moment, so the room sees what moved
  var placedBefore = null;
  var focusedCard = null;  // the school a card with the focus showed (the redraw drops it)
  var focusedTeam = null;  // likewise a team's heading (Tab from a team's last card)
  function isCard(el) { return el && el.classList && el.classList.contains("card"); }
  function isTeamHeading(el) { return el && el.classList && el.classList.contains("team-number"); }
  var focusWasOnBoard = false;  // in the board or a panel: a redraw may take that element away
  document.addEventListener("focusin", function (e) {
    focusedCard = isCard(e.target) ? e.target.dataset.id : null;
    focusedTeam = isTeamHeading(e.target) ? e.target.dataset.team : null;
    focusWasOnBoard = !!(e.target.closest && e.target.closest("#live, #panel"));
  });
  document.addEventListener("pointerdown", function (e) {
    if (!isCard(e.target.closest && e.target.closest(".card"))) focusedCard = null;
    if (!isTeamHeading(e.target.closest && e.target.closest(".team-number"))) focusedTeam = null;
    focusWasOnBoard = false;  // a click that lands on a control focuses it again (focusin)
  });
  function placedNow() {
    var at = {};
    document.querySelectorAll("#live .cards[data-team] .card").forEach(function (c) {
      at[c.dataset.id] = c.parentElement.dataset.team;
    });
    return at;
  }
  document.body.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "live") placedBefore = placedNow();
  });
  var dragged = null;
  var CHANGED_MS = 5000;  // as long as the .changed animation
  var changedAt = {};  // school id -> when it moved: a later redraw (another tab's
  // decision, the stream's refresh) marks it again, its fade going on where it was
  function markChanged() {
    var now = Date.now();
    if (placedBefore) {
      var before = placedBefore;
      placedBefore = null;
      if (dragged) { delete before[dragged]; dragged = null; }
      var placed = placedNow();
      Object.keys(placed).forEach(function (id) {
        if (before[id] !== placed[id]) changedAt[id] = now;
      });
    }
    Object.keys(changedAt).forEach(function (id) {
      var age = now - changedAt[id];
      if (age >= CHANGED_MS) { delete changedAt[id]; return; }
      var card = document.querySelector('#live .card[data-id="' + CSS.escape(id) + '"]');
      if (!card) return;
      card.style.animationDelay = (-age / 1000) + "s";
      card.classList.add("changed");
      // unmarked when its time is up (without the animation, as reduced motion asks, the
      // mark would stay until the next redraw)
      setTimeout(function () { card.classList.remove("changed"); }, CHANGED_MS - age);
    });
  }

  // Undo and Redo say what they would do, from the board shown: a second laptop's Undo
  // would undo the decision before the one it saw undone
  function labelUndoRedo() {
    var live = document.getElementById("live");
    if (!editor || !live) return;
    [["undo", "Undo", live.dataset.undo, "Ctrl+Z"], ["redo", "Redo", live.dataset.redo, "Ctrl+Y"]]
      .forEach(function (b) {
        var button = document.getElementById(b[0]);
        if (!button) return;
        var words = b[2] ? b[1] + ": " + b[2] : "Nothing to " + b[1].toLowerCase();
        button.title = words + " (" + b[3] + ")";
        button.setAttribute("aria-label", words);
        button.setAttribute("aria-disabled", b[2] ? "false" : "true");
      });
  }

  htmx.onLoad(function (element) {
    labelUndoRedo();
    initSortables();
    restoreSelection();
    var open = document.querySelector("#panel .school[data-school]");
    if (element && element.id === "live" && open) {
      var still = document.querySelector('.card[data-id="' + CSS.escape(open.dataset.school) + '"]');
      if (still) {
        askPanel("GET", "/ui/school/" + encodeURIComponent(open.dataset.school));
      } else {
        closePanel();
      }
    }
    // a team's best moves, once one is done, are those of the new board
    var team = document.querySelector("#panel [data-suggest-team]");
    if (element && element.id === "live" && team) {
      askPanel("GET", "/ui/suggest?team=" + encodeURIComponent(team.dataset.suggestTeam));
    }
    if (element && element.id === "live") {
      announce();
      markChanged();
      // the board was replaced under the keyboard's focus (a move, Ctrl+Z): back to the
      // school whose card had it (Tab may have gone on to another while the move was on its
      // way: the next key is for that one), else to the selected school
      var back = focusedCard || selected;
      var lost = document.activeElement === document.body || !document.activeElement;
      var card = back && document.querySelector('.card[data-id="' + CSS.escape(back) + '"]');
      var heading = focusedTeam && document.querySelector('#live .team-number[data-team="' + CSS.escape(focusedTeam) + '"]');
      if (lost && heading) {
        heading.focus({ preventScroll: true });
      } else if (lost && card) {
        // the focus follows the school without moving the page, unless it went out of view
        card.focus({ preventScroll: true });
        var box = card.getBoundingClientRect();
        if (selected && (box.bottom < 0 || box.top > window.innerHeight)) card.scrollIntoView({ block: "nearest" });
      } else if (lost && focusWasOnBoard) {
        // Accept, or a withdrawn school's card, went with the redraw: the status bar
        // (it says what happened), so that Tab goes on from the board's top
        var status = document.querySelector("#live .status");
        if (status) { status.tabIndex = -1; status.focus({ preventScroll: true }); }
      }
    }
    if (element && element.querySelectorAll) {
      element.querySelectorAll(".lazy[data-get]").forEach(function (el) {
        ask("GET", el.dataset.get, { target: el, swap: "innerHTML" });
        el.removeAttribute("data-get");
      });
    }
  });

  function closePanel() {
    var panel = document.getElementById("panel");
    var had = panel && panel.innerHTML !== "";
    if (panel) setPanel("");
    if (had) returnFocus();
    opener = null;
  }

  // what screen readers say after each change: the rules' state and the last decision
  var said = "";
  function announce() {
    var box = document.getElementById("announce");
    if (!box) return;
    var parts = ["breach-count", "last-change"].map(function (id) {
      var el = document.getElementById(id);
      return el ? el.textContent.replace(/\s+/g, " ").trim() : "";
    }).filter(Boolean);
    var text = parts.join(". ");
    if (text && text !== said) { said = text; box.textContent = text; }
  }
  function say(text) {  // news that is not a change of the board
    var box = document.getElementById("announce");
    if (box) { said = text; box.textContent = text; }
  }

  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-close]")) { closePanel(); select(null); return; }
    var button = e.target.closest("[data-post]");
    if (button && editor) {
      if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
      var values = button.dataset.values ? JSON.parse(button.dataset.values) : {};
      post(button.dataset.post, values);
      if (button.dataset.post === "/ui/withdraw") {
        selected = null;
        setPanel("");
      }
      return;
    }
    var team = e.target.closest(".team-number");
    if (team && editor) {
      var n = parseInt(team.dataset.team, 10);  // a big board takes seconds: say so at once
      setPanel('<p class="muted" role="status">Working out the best moves and swaps for team ' + n + " ...</p>");
      openPanel("/ui/suggest?team=" + n);
      return;
    }
    var card = e.target.closest(".card");
    if (card && editor) select(card);
  });

  function byId(id, fn) {
    var el = document.getElementById(id);
    if (el) el.addEventListener("click", fn);
  }

  if (editor) {
    byId("undo", function () { post("/ui/undo"); });
    byId("redo", function () { post("/ui/redo"); });
    byId("add-school", function () { openPanel("/ui/add"); });
    byId("versions", function () { openPanel("/ui/versions"); });
    byId("facilitators", function () { openPanel("/ui/facilitators"); });
    byId("help-button", function () {
      opener = document.activeElement;
      setPanel(document.getElementById("help").innerHTML);
      document.querySelector("#panel h2").focus();
    });
    // Find a school: every card whose name, authority or id holds the words is outlined,
    // the first scrolled into view; Enter opens it, Esc clears
    var find = document.getElementById("find");
    function found() {
      var words = find.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      var hits = [];
      document.querySelectorAll("#live .card").forEach(function (card) {
        var text = ((card.getAttribute("aria-label") || "") + " " + card.dataset.id).toLowerCase();
        var hit = words.length > 0 && words.every(function (w) { return text.indexOf(w) >= 0; });
        card.classList.toggle("found", hit);
        if (hit) hits.push(card);
      });
      return hits;
    }
    if (find) {
      find.addEventListener("input", function () {
        var hits = found();
        // after the browser has kept the caret in view (scrolled at once, it was undone)
        if (hits.length) setTimeout(function () { hits[0].scrollIntoView({ block: "center" }); }, 60);
        if (!find.value.trim()) say("Find cleared");
        else say(hits.length === 1 ? "1 school found" : hits.length + " schools found");
      });
      find.addEventListener("keydown", function (e) {
        if (e.key === "Enter") {
          e.preventDefault();
          var hits = found();
          if (hits.length) { hits[0].focus(); select(hits[0]); }
        } else if (e.key === "Escape") {
          find.value = "";
          found();
          say("Find cleared");
        }
      });
      htmx.onLoad(function (el) {  // a redrawn board: its cards found again
        if (el && el.id === "live" && find.value.trim()) found();
      });
    }
    byId("cancel", function () {
      ask("POST", "/ui/cancel", { source: sources.cancel, swap: "none" });
      var again = document.querySelector('#reoptimise-form [type="submit"]');
      if (again) again.focus();  // the Cancel bar hides: the focus would fall to the page
    });
    // the Export menu closes when the focus leaves it (it stayed open over the board)
    var exportsMenu = document.querySelector("details.exports");
    if (exportsMenu) exportsMenu.addEventListener("focusout", function (e) {
      if (e.relatedTarget && !exportsMenu.contains(e.relatedTarget)) exportsMenu.open = false;
    });
    byId("export-folder", function () {
      document.querySelector(".exports").open = false;  // else it hides the answer in the panel
      opener = document.querySelector(".exports summary");  // the menu it closed
      focusPanel = true;  // the answer's heading takes the focus (it was lost to the page)
      askPanel("POST", "/ui/export");
    });

    document.getElementById("reoptimise-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var limit = document.getElementById("time-limit").value;
      showProgress({ elapsed_s: 0, time_limit: parseFloat(limit) });
      post("/ui/reoptimise", { time_limit: limit }, "#live", "search").then(showProposal, hideProgress);
    });

    document.addEventListener("submit", function (e) {
      var form = e.target;
      var data = Object.fromEntries(new FormData(form).entries());
      if (form.id === "save-version") {
        e.preventDefault();
        post("/ui/version", data).then(function () {
          askPanel("GET", "/ui/versions");
        });
      } else if (form.id === "restore-version") {
        e.preventDefault();
        post("/ui/restore", data).then(function () {
          askPanel("GET", "/ui/versions");
        });
      } else if (form.id === "diff-form") {
        e.preventDefault();
        ask("GET", "/ui/diff?a=" + encodeURIComponent(data.a) + "&b=" + encodeURIComponent(data.b),
          { target: "#diff", swap: "innerHTML" });
      } else if (form.id === "add-pick" || form.id === "add-rows") {
        e.preventDefault();
        post("/ui/add", data);
      } else if (form.id === "add-facilitator") {
        e.preventDefault();
        post("/ui/add_facilitator", data);
      }
    });

    // a file of rows is read as the command line reads one: UTF-8 text, or refused in
    // words (a Windows-1252 CSV garbled "Siobhán" into every roster; a workbook filled the
    // box with binary and a parser's message)
    document.addEventListener("change", function (e) {
      if (e.target.id !== "add-file" || !e.target.files.length) return;
      var input = e.target, file = input.files[0];
      file.arrayBuffer().then(function (buffer) {
        var head = new Uint8Array(buffer.slice(0, 4));
        var workbook = (head[0] === 0x50 && head[1] === 0x4b) || (head[0] === 0xd0 && head[1] === 0xcf);
        var text = null;
        if (!workbook) {
          try { text = new TextDecoder("utf-8", { fatal: true }).decode(buffer); } catch (err) { text = null; }
        }
        if (text === null) {
          input.value = "";
          showError(workbook
            ? file.name + " is an Excel workbook: open it, select its rows with the header line, copy and paste them here (or save it as CSV UTF-8 and load that)."
            : file.name + " is not saved as UTF-8 text, so accented names would be garbled: in Excel use Save As, 'CSV UTF-8 (Comma delimited)', and load that, or paste the rows.");
          return;
        }
        document.getElementById("add-text").value = text;
      });
    });

    document.addEventListener("keydown", function (e) {
      var tag = (e.target.tagName || "").toLowerCase();
      var plainEsc = e.key === "Escape" && !e.isComposing && !(e.ctrlKey || e.altKey || e.metaKey);
      var notice = document.getElementById("error");
      if (plainEsc && notice && !notice.hidden) { notice.hidden = true; return; }  // first the refusal
      // Esc closes the panel from its fields too, but never throws away rows typed or
      // pasted (wherever the focus is: a refused paste leaves it on its button)
      var typedIn = Array.prototype.some.call(document.querySelectorAll("#panel textarea"),
        function (box) { return box.value.trim() !== ""; });
      if (plainEsc && e.target.closest && e.target.closest("#panel")) {
        if (!typedIn) { select(null); closePanel(); }
        return;
      }
      if (tag === "input" || tag === "textarea" || tag === "select") return;
      var key = e.key.toLowerCase();
      if ((e.ctrlKey || e.metaKey) && key === "z" && !e.shiftKey) { e.preventDefault(); post("/ui/undo"); return; }
      if ((e.ctrlKey || e.metaKey) && (key === "y" || (key === "z" && e.shiftKey))) { e.preventDefault(); post("/ui/redo"); return; }
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (key === "escape") {
        var menu = e.target.closest && e.target.closest("details.exports[open]");
        if (menu) { menu.open = false; menu.querySelector("summary").focus(); return; }
        select(null);
        if (!typedIn) closePanel();
        return;
      }
      if ((key === "enter" || key === " ") && e.target.classList && e.target.classList.contains("card")) {
        e.preventDefault();
        select(e.target);
        return;
      }
      if (isTeamHeading(e.target)) return;  // a team's heading: no school to act on
      // a card with the keyboard's focus (after Esc, or Tab) is the school the keys act on
      var onCard = e.target.classList && e.target.classList.contains("card");
      // a letter or digit acts on the school only from the school: its card, its panel, or
      // nowhere in particular; typed on a toolbar control (spoken by voice input) it locked
      // or moved the school selected a while ago (WCAG 2.1.4, an accessibility audit)
      var fromSchool = onCard || e.target === document.body ||
        (e.target.closest && e.target.closest("#panel"));
      if (!fromSchool) return;
      if (onCard && (/^[0-9]$/.test(key) || key === "l")) selected = e.target.dataset.id;
      if (!selected) return;
      if (/^[0-9]$/.test(key)) {
        e.preventDefault();
        typeTeam(key);
      } else if (key === "l") {
        var card = document.querySelector('.card[data-id="' + CSS.escape(selected) + '"]');
        post("/ui/lock", { establishment_id: selected, locked: card && card.classList.contains("locked") ? "false" : "true" });
      }
    });
  }

  // a team number typed digit by digit: with 10 or more teams "1" waits a moment for "2"
  var typed = "";
  function typeTeam(digit) {
    clearTimeout(typeTeam.timer);
    typed += digit;
    var id = selected;
    var more = document.querySelector('.cards[data-team="' + typed + '0"]');
    var send = function () {
      var team = typed;
      typed = "";
      if (document.querySelector('.cards[data-team="' + team + '"]')) {
        post("/ui/move", { establishment_id: id, team: team });
      } else {  // a key that names no team said nothing (a first-time lead officer)
        var teams = document.querySelectorAll(".cards[data-team]:not([data-team='0'])").length;
        showError("There is no team " + team + ": the teams are 1 to " + teams + ".");
      }
    };
    if (more && typed.length < 2) { typeTeam.timer = setTimeout(send, 700); } else { send(); }
  }

  // the solver reports only when it finds better: between reports the clock runs here
  var last = null;  // { p: the last report, at: when it came, from: the board's version }
  function drawProgress() {
    var box = document.getElementById("progress");
    if (!box || !last) return;
    var p = last.p;
    var elapsed = (p.elapsed_s || 0) + (Date.now() - last.at) / 1000;
    if (p.time_limit) elapsed = Math.min(elapsed, p.time_limit);
    var bar = document.getElementById("progress-bar");
    if (p.time_limit) bar.value = Math.min(1, elapsed / p.time_limit);
    var text = "Re-optimising ... " + elapsed.toFixed(1) + " s";
    if (p.time_limit) text += " of " + p.time_limit.toFixed(0) + " s";
    if (p.objective !== undefined && p.objective !== null) text += " · best score " + p.objective.toFixed(1);
    if (p.bound !== undefined && p.bound !== null) text += " · best possible at most " + p.bound.toFixed(1);
    if (currentVersion() > last.from) {
      text += " · the teams changed since it started, so its proposal will be out of date: Cancel, then run it again";
    }
    document.getElementById("progress-text").textContent = text;
  }
  function showProgress(p) {
    var box = document.getElementById("progress");
    if (!box) return;
    if (box.hidden) say("Re-optimising" + (p.time_limit ? " for up to " + p.time_limit.toFixed(0) + " s" : ""));
    box.hidden = false;
    var from = last ? last.from : currentVersion();
    last = { p: Object.assign({}, last ? last.p : {}, p), at: Date.now(), from: from };
    if (!showProgress.timer) showProgress.timer = setInterval(drawProgress, 500);
    drawProgress();
  }

  // the proposal's Accept and Reject in sight (on a phone an open panel may cover them)
  function showProposal() {
    hideProgress();
    var proposal = document.getElementById("proposal");
    if (!proposal) return;
    if (window.matchMedia("(max-width: 700px)").matches) closePanel();
    proposal.scrollIntoView({ block: "nearest" });
    var heading = proposal.querySelector("h2");
    if (heading) { heading.tabIndex = -1; heading.focus({ preventScroll: true }); }
  }

  function hideProgress() {
    var box = document.getElementById("progress");
    if (box) box.hidden = true;
    last = null;
    clearInterval(showProgress.timer);
    showProgress.timer = null;
  }

  // the teams' titles stay in view just under the status bar, however tall it grows
  function barHeight() {
    var bar = document.querySelector(".status");
    var height = bar ? bar.getBoundingClientRect().height : 0;
    // rounded down: the titles tuck under the bar's last fraction of a pixel, no strip shows
    document.documentElement.style.setProperty("--bar-height", Math.floor(height) + "px");
  }
  if (window.ResizeObserver) {
    var watched = null;
    var watcher = new ResizeObserver(barHeight);
    var watchBar = function () {
      var bar = document.querySelector(".status");
      if (bar === watched) return;
      if (watched) watcher.unobserve(watched);
      if (bar) watcher.observe(bar);
      watched = bar;
    };
    document.body.addEventListener("htmx:afterSwap", watchBar);
    watchBar();
  }
  barHeight();

  if (window.EventSource) {
    var stream = new EventSource("/api/stream?token=" + encodeURIComponent(token));
    stream.addEventListener("state", function (e) {
      var data = JSON.parse(e.data);
      if (stale) serverBack();
      else if (data.version !== currentVersion()) refresh();
    });
    stream.addEventListener("open", function () { if (stale) serverBack(); });
    stream.addEventListener("progress", function (e) {
      var data = JSON.parse(e.data);
      if (data.done) { hideProgress(); return; }
      if (editor) showProgress(data);
    });
  }
})();
