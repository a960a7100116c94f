" Drives Vim 9 with ALE (Debian's vim-ale) against the Kube IP Guard server, configured as a user would, and writes
" what ALE saw to the JSON file $KIG_RESULT. Run as `vim -u ale.vim` under tmux. Positions are reported as ALE holds
" them, made 0-based: ALE copies LSP columns into Vim's byte columns as they are (character + 1), so on a line with
" non-ASCII text before the address its columns are the server's UTF-16 offsets, not bytes.
set nocompatible
set runtimepath^=/usr/share/vim-ale
filetype plugin on
syntax off
set noswapfile nobackup nowritebackup shortmess+=I hidden

let g:ale_linters = {'yaml': ['kube_ip_guard']}
let g:ale_linters_explicit = 1
let g:ale_lint_on_text_changed = 'always'
let g:ale_lint_delay = 50
let g:ale_echo_cursor = 0
let g:ale_set_balloons = 0

runtime plugin/ale.vim
call ale#linter#Define('yaml', {
\   'name': 'kube_ip_guard',
\   'lsp': 'stdio',
\   'executable': 'node',
\   'command': '%e ' . shellescape($KIG_SERVER) . ' --stdio',
\   'project_root': $KIG_DIR,
\   'lsp_config': {'kubeIpGuard': {'cluster': {'mode': 'off'}}},
\})

let s:bound = 30000
let s:result = {'client': 'Vim + ALE', 'version': '', 'files': {}, 'errors': [],
\   'afterConfigMoved': -1, 'afterConfigRestored': -1}
function! s:AleVersion() abort
  let l:out = systemlist("dpkg-query -W -f='${Version}' vim-ale")
  return empty(l:out) ? '?' : l:out[0]
endfunction
let s:result.version = printf('%d.%d.%d, ALE %s', v:version / 100, v:version % 100, v:versionlong % 10000, s:AleVersion())

function! s:Fail(msg) abort
  call add(s:result.errors, a:msg)
endfunction

" Lets Vim run its channels and timers (ALE's server output) until Pred() holds, or records a failure.
function! s:Wait(Pred, what) abort
  let l:waited = 0
  while !a:Pred() && l:waited < s:bound
    sleep 50m
    let l:waited += 50
  endwhile
  if !a:Pred()
    call s:Fail(a:what)
    return 0
  endif
  return 1
endfunction

function! s:Ours(buf) abort
  let l:list = []
  for l:d in ale#engine#GetLoclist(a:buf)
    if get(l:d, 'linter_name', '') is# 'kube_ip_guard'
      call add(l:list, {'line': l:d.lnum - 1, 'col': l:d.col - 1,
      \   'endLine': get(l:d, 'end_lnum', l:d.lnum) - 1, 'endCol': get(l:d, 'end_col', l:d.col),
      \   'message': l:d.text})
    endif
  endfor
  return l:list
endfunction

function! s:WaitCount(buf, n, what) abort
  call s:Wait({-> len(s:Ours(a:buf)) == a:n},
  \   printf('%s: %d diagnostics after %d ms, not %d', a:what, len(s:Ours(a:buf)), s:bound, a:n))
  return len(s:Ours(a:buf))
endfunction

function! s:Check(name, config_test) abort
  execute 'edit ' . fnameescape($KIG_FILES . '/' . a:name)
  setlocal filetype=yaml
  let l:buf = bufnr('')
  let l:r = {'diagnostics': [], 'hover': '', 'actions': [], 'fixedText': '', 'diagnosticsAfterFix': -1}
  let s:result.files[a:name] = l:r
  " ALE lints a newly entered buffer from its autocommands; the script runs outside Vim's main loop, so it asks as
  " they would.
  call ale#Queue(0)
  call s:WaitCount(l:buf, 1, a:name . ' opened')
  let l:r.diagnostics = s:Ours(l:buf)
  if empty(l:r.diagnostics)
    return
  endif
  let l:d = l:r.diagnostics[0]
  call cursor(l:d.line + 1, l:d.col + 1)

  " :ALEHover's request (ale#lsp#message#Hover), its answer parsed as ALE shows it.
  let s:hover = v:null
  call ale#lsp_linter#SendRequest(l:buf, 'kube_ip_guard', ale#lsp#message#Hover(l:buf, l:d.line + 1, l:d.col + 1),
  \   {response -> execute('let s:hover = response')})
  if s:Wait({-> s:hover isnot v:null}, a:name . ': no hover')
    let l:contents = get(get(s:hover, 'result', {}), 'contents', '')
    let l:r.hover = join(ale#hover#ParseLSPResult(l:contents)[1], "\n")
    let l:r.hoverKind = type(l:contents) == v:t_dict ? get(l:contents, 'kind', '') : ''
  endif

  if a:config_test
    let l:config = $KIG_FILES . '/.kube-ip-guard.yaml'
    call writefile(split($KIG_MOVED_CONFIG, "\n", 1), l:config, 'b')
    let s:result.afterConfigMoved = s:WaitCount(l:buf, 0, 'config moved k8s-node-1')
    call writefile(split($KIG_CONFIG, "\n", 1), l:config, 'b')
    let s:result.afterConfigRestored = s:WaitCount(l:buf, 1, 'config restored')
    call cursor(l:d.line + 1, l:d.col + 1)
  endif

  " :ALECodeAction with a menu callback (ALE sends the nearest diagnostic back: code, message, range, no data).
  let s:actions = v:null
  call ale#codefix#Execute(0, {data, items -> execute('let s:actions = [data, items]')})
  if !s:Wait({-> s:actions isnot v:null}, a:name . ': no code action answer')
    return
  endif
  let [l:data, l:items] = s:actions
  let l:chosen = v:null
  for [l:kind, l:a] in l:items
    call add(l:r.actions, l:a.title)
    if l:a.title =~# '^Remove this address'
      let l:chosen = l:a
    endif
  endfor
  if l:chosen is v:null
    call s:Fail(a:name . ': no "Remove this address"')
    return
  endif
  let l:r.sentEdit = get(l:chosen, 'edit', {})
  call ale#codefix#ApplyLSPCodeAction(l:data, l:chosen)
  let l:r.fixedText = join(getline(1, '$'), "\n") . "\n"
  call ale#Queue(0)
  let l:r.diagnosticsAfterFix = s:WaitCount(l:buf, 0, a:name . ' fixed')
endfunction

function! s:Run() abort
  try
    call s:Check('deployment.yaml', 1)
    call s:Check('multibyte.yaml', 0)
  catch
    call s:Fail(v:exception . ' at ' . v:throwpoint)
  endtry
  let l:out = $KIG_RESULT
  call writefile([json_encode(s:result)], l:out . '.part')
  call rename(l:out . '.part', l:out)
  call ale#lsp#StopAll()
  qa!
endfunction

autocmd VimEnter * call timer_start(200, {-> s:Run()})
