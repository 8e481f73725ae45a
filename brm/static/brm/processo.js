/* Página do processo: log ao vivo (SSE), status e botões que se atualizam sozinhos. Sem CDN. */
(function () {
  "use strict";
  const raiz = document.getElementById("processo");
  if (!raiz) return;

  const painel = document.getElementById("painel-log");
  const linhas = document.getElementById("log-linhas");
  const selo = document.getElementById("conexao");
  const botaoParar = document.getElementById("parar");
  const botaoConectar = document.getElementById("conectar");
  const avisoRolagem = document.getElementById("rolagem-pausada");
  const vistos = new Set();
  let fonte = null;
  let seguirFim = true;
  let estadoAnterior = null;

  function marcar(texto, cor) {
    selo.textContent = texto;
    selo.className = "selo selo-" + cor;
    raiz.dataset.conexao = texto;
  }

  function estaNoFim() {
    return linhas.scrollHeight - linhas.scrollTop - linhas.clientHeight < 24;
  }

  linhas.addEventListener("scroll", function () {
    seguirFim = estaNoFim();
    avisoRolagem.hidden = seguirFim;
  });

  function adicionarLinha(dados) {
    if (vistos.has(dados.id)) return;
    vistos.add(dados.id);
    const linha = document.createElement("div");
    linha.className = "linha nivel-" + String(dados.nivel).toLowerCase();
    linha.dataset.id = dados.id;
    const hora = dados.momento ? new Date(dados.momento).toLocaleTimeString("pt-BR") : "";
    linha.textContent = hora + " [" + dados.nivel + "] " + dados.mensagem;
    linhas.appendChild(linha);
    if (seguirFim) linhas.scrollTop = linhas.scrollHeight;
  }

  async function trocar(id, url) {
    try {
      const resposta = await fetch(url, { credentials: "same-origin" });
      if (resposta.ok) document.getElementById(id).innerHTML = await resposta.text();
    } catch (erro) {
      /* a próxima volta tenta de novo */
    }
  }

  function aoMudarEstado(estado) {
    const baixar = document.getElementById("baixar-log");
    if (baixar && estado.execucao_id) baixar.href = "/execucoes/" + estado.execucao_id + "/log.txt?baixar=1";
    const mudou =
      !estadoAnterior ||
      estadoAnterior.processo_status !== estado.processo_status ||
      estadoAnterior.ativa !== estado.ativa ||
      estadoAnterior.execucao_id !== estado.execucao_id;
    const progresso = !estadoAnterior || estadoAnterior.progresso !== estado.progresso;
    estadoAnterior = estado;
    if (mudou || progresso) trocar("resumo", raiz.dataset.resumoUrl);
    if (mudou) {
      trocar("historico", raiz.dataset.historicoUrl);
    }
    if (mudou || progresso) trocar("execucoes", raiz.dataset.execucoesUrl);
  }

  function conectar() {
    if (fonte) return;
    painel.hidden = false;
    botaoConectar.hidden = true;
    botaoParar.hidden = false;
    marcar("Conectando", "cinza");
    fonte = new EventSource(raiz.dataset.eventosUrl);
    fonte.onopen = function () { marcar("Conectado", "verde"); };
    fonte.onerror = function () {
      if (fonte && fonte.readyState === EventSource.CLOSED) {
        fonte = null;
        marcar("Erro", "vermelho");
        botaoConectar.hidden = false;
        botaoParar.hidden = true;
      } else {
        marcar("Reconectando", "amarelo");
      }
    };
    fonte.addEventListener("log", function (evento) { adicionarLinha(JSON.parse(evento.data)); });
    fonte.addEventListener("estado", function (evento) { aoMudarEstado(JSON.parse(evento.data)); });
  }

  function parar() {
    if (fonte) fonte.close();
    fonte = null;
    marcar("Parado", "cinza");
    botaoParar.hidden = true;
    botaoConectar.hidden = false;
  }

  botaoParar.addEventListener("click", parar);
  botaoConectar.addEventListener("click", conectar);

  function haExecucaoAtiva() {
    return Boolean(document.querySelector(
      '#tabela-execucoes tr[data-status="PENDENTE"], #tabela-execucoes tr[data-status="EXECUTANDO"]'
    ));
  }

  // A tabela de execuções se atualiza a cada 5 s; uma execução nova liga o painel sozinha.
  setInterval(async function () {
    await trocar("execucoes", raiz.dataset.execucoesUrl);
    if (haExecucaoAtiva() && !fonte && selo.textContent !== "Parado") conectar();
  }, 5000);

  // “Nova tentativa em 45 s” conta sozinho até a hora; depois a execução está na fila.
  setInterval(function () {
    const espera = document.querySelector("#andamento [data-tentativa-em]");
    if (!espera) return;
    const segundos = Math.round((Date.parse(espera.dataset.tentativaEm) - Date.now()) / 1000);
    if (segundos > 0 && segundos < 90) espera.textContent = "Nova tentativa em " + segundos + " s";
    if (segundos <= 0) espera.textContent = "Na fila";
  }, 1000);

  if (raiz.dataset.ativo === "1") {
    conectar();
  } else if (!painel.hidden) {
    // Sem execução ativa: mostra o log da última execução (o histórico) e para.
    conectar();
  }
})();
