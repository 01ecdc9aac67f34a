// DECP upload form: sends the file with XMLHttpRequest to show the upload's progress (a <progress> bar and a
// polite live region), refuses a file over the size limit before sending it, then opens the import's journal
// page. Without JavaScript the form posts as usual. No inline script (CSP).
(() => {
  "use strict";

  const sizeText = (bytes) => {
    const units = ["octets", "Kio", "Mio", "Gio"]; // as Django's filesizeformat in French
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit += 1;
    }
    return `${unit ? value.toLocaleString("fr-FR", { maximumFractionDigits: 1 }) : value} ${units[unit]}`;
  };

  const init = () => {
    const form = document.getElementById("upload-form");
    if (!form || !window.FormData || !window.XMLHttpRequest) {
      return;
    }
    const box = document.getElementById("upload-progress");
    const bar = document.getElementById("upload-progress-bar");
    const status = document.getElementById("upload-status");
    const button = form.querySelector("button[type=submit]");
    const input = form.querySelector("input[type=file]");
    const maxBytes = Number.parseInt(form.dataset.maxBytes, 10);

    form.addEventListener("submit", (event) => {
      const file = input && input.files && input.files[0];
      if (!file) {
        return; // the server says the file is required
      }
      event.preventDefault();
      if (maxBytes && file.size > maxBytes) {
        status.textContent =
          `Le fichier pèse ${sizeText(file.size)} : il dépasse la taille maximale acceptée ` +
          `(${sizeText(maxBytes)}). Compressez-le au format .gz ou découpez-le.`;
        input.setAttribute("aria-invalid", "true");
        input.focus();
        return;
      }
      input.removeAttribute("aria-invalid");
      const request = new XMLHttpRequest();
      request.open("POST", form.action || window.location.href);
      request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      let announced = -10;
      request.upload.addEventListener("progress", (progress) => {
        if (!progress.lengthComputable) {
          return;
        }
        const percent = Math.floor((100 * progress.loaded) / progress.total);
        bar.value = percent;
        bar.textContent = `${percent} %`;
        // The live region speaks every 10 % only: a screen reader is not flooded.
        if (percent >= announced + 10 || percent === 100) {
          announced = percent;
          status.textContent = `Envoi du fichier : ${percent} % (${sizeText(progress.loaded)} sur ${sizeText(progress.total)})`;
        }
      });
      request.upload.addEventListener("load", () => {
        bar.value = 100;
        status.textContent = "Fichier envoyé : vérification et mise en file d'attente de l'import…";
      });
      request.addEventListener("load", () => {
        const next = request.getResponseHeader("X-Redirect-To");
        if (next) {
          window.location.assign(next);
          return;
        }
        // The form came back with its errors: it replaces this page's content.
        const page = new DOMParser().parseFromString(request.responseText, "text/html");
        const main = page.querySelector("main");
        if (!main) {
          status.textContent = `L'envoi a échoué (erreur ${request.status}). Réessayez.`;
          button.disabled = false;
          return;
        }
        document.querySelector("main").replaceWith(document.importNode(main, true));
        init();
        const summary = document.getElementById("error-summary");
        if (summary) {
          summary.focus();
        }
      });
      request.addEventListener("error", () => {
        status.textContent = "L'envoi a été interrompu (connexion coupée ou fichier refusé). Réessayez.";
        button.disabled = false;
        box.hidden = true;
      });
      box.hidden = false;
      button.disabled = true;
      status.textContent = "Envoi du fichier : 0 %";
      request.send(new FormData(form));
    });
  };

  document.addEventListener("DOMContentLoaded", init);
})();
