// The status page's live update. Every 2 s the page's own address is
// fetched again and each part marked data-live is replaced by its new
// version; the rest of the page (a filter being typed) stays as it is.
// The server draws everything: this script only swaps what it drew.
"use strict";
(function () {
  const parts = () => document.querySelectorAll("[data-live][id]");
  const updated = document.getElementById("updated");
  let busy = false;

  function stamp(ok, why) {
    if (!updated) return;
    const time = new Date().toLocaleTimeString();
    updated.textContent = ok ? "updated " + time : "not updated since " + time + ": " + why;
    updated.classList.toggle("stale", !ok);
  }

  async function refresh() {
    if (busy || document.hidden) return;
    busy = true;
    try {
      const response = await fetch(location.href, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { Accept: "text/html" },
      });
      if (!response.ok) throw new Error(response.status + " " + response.statusText);
      const next = new DOMParser().parseFromString(await response.text(), "text/html");
      for (const part of parts()) {
        const fresh = next.getElementById(part.id);
        if (fresh && fresh.innerHTML !== part.innerHTML) part.innerHTML = fresh.innerHTML;
      }
      stamp(true);
    } catch (e) {
      stamp(false, e.message);
    } finally {
      busy = false;
    }
  }

  if (parts().length > 0) {
    setInterval(refresh, 2000);
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) refresh();
    });
    stamp(true);
  }

  // What an action did is said once: a reload should not say it again.
  const here = new URL(location.href);
  if (here.searchParams.has("did")) {
    for (const key of ["did", "n", "same"]) here.searchParams.delete(key);
    history.replaceState(null, "", here);
  }

  // The jobs' filter follows the typing (after a pause) without a reload;
  // Enter or the button does the same through the form.
  const filter = document.getElementById("q");
  if (filter) {
    let timer;
    filter.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const url = new URL(location.href);
        if (filter.value.trim()) url.searchParams.set("q", filter.value.trim());
        else url.searchParams.delete("q");
        url.searchParams.delete("after");
        history.replaceState(null, "", url);
        busy = false;
        refresh();
      }, 300);
    });
  }

  // What cannot be undone is asked first.
  document.addEventListener("submit", (event) => {
    const question = event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();
