// Fila de aprovação: os atalhos do teclado. A = aprovar e próxima; R = escrever o motivo da
// rejeição (Enter envia); P ou → = pular; Esc sai do campo. Fora dos campos de texto só.
(function () {
  "use strict";

  function digitando(alvo) {
    return alvo && (alvo.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(alvo.tagName));
  }

  function enviar(idDoFormulario) {
    var formulario = document.getElementById(idDoFormulario);
    if (!formulario || document.body.dataset.enviando) return;
    formulario.requestSubmit();
  }

  document.addEventListener("submit", function () {
    // Um envio por fatura: uma tecla repetida não aprova (nem pula) a próxima sem que ela apareça.
    document.body.dataset.enviando = "1";
  });

  document.body.dataset.atalhos = "prontos"; // os testes no navegador esperam por isto

  document.addEventListener("keydown", function (evento) {
    if (evento.ctrlKey || evento.metaKey || evento.altKey || evento.isComposing) return;
    if (evento.key === "Escape" && digitando(evento.target)) {
      evento.target.blur();
      return;
    }
    if (digitando(evento.target)) return;
    var tecla = evento.key.length === 1 ? evento.key.toLowerCase() : evento.key;
    if (tecla === "a") {
      evento.preventDefault();
      enviar("form-aprovar");
    } else if (tecla === "r") {
      evento.preventDefault();
      var motivo = document.getElementById("id_motivo");
      if (motivo) motivo.focus();
    } else if (tecla === "p" || tecla === "ArrowRight") {
      evento.preventDefault();
      enviar("form-pular");
    }
  });
})();
