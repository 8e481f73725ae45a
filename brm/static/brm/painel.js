/* O painel se atualiza sozinho: a cada 30 s busca a mesma página (com a competência escolhida)
   e troca os números, gráficos e o quadro da API RPA. Com a aba escondida, espera. Sem CDN. */
(function () {
  const painel = document.getElementById("painel");
  if (!painel) return;
  const segundos = Number(painel.dataset.atualizarACada || 30);
  const partes = ["painel", "painel-rpa"];

  async function atualizar() {
    if (document.hidden) return;
    try {
      const resposta = await fetch(window.location.href, { credentials: "same-origin" });
      if (!resposta.ok || resposta.redirected) return;
      const nova = new DOMParser().parseFromString(await resposta.text(), "text/html");
      for (const id of partes) {
        const atual = document.getElementById(id);
        const chegou = nova.getElementById(id);
        if (atual && chegou) atual.replaceWith(chegou);
      }
    } catch (erro) {
      /* a próxima volta tenta de novo */
    }
  }

  setInterval(atualizar, segundos * 1000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) atualizar(); });
})();
