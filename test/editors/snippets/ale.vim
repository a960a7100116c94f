" Runs the README's Vim/ALE snippet ($KIG_SNIPPET) as a user's vimrc would (Debian's vim-ale on the runtimepath),
" opens the seed manifest below the editor's root and writes what ALE shows to $KIG_RESULT (0-based lines and
" columns). Run as `vim -u ale.vim` under tmux.
set nocompatible
set runtimepath^=/usr/share/vim-ale
filetype plugin on
set noswapfile nobackup nowritebackup shortmess+=I hidden
let s:result = {'client': 'Vim ' . v:version . ' + ALE', 'diagnostics': [], 'errors': []}
try
  execute 'source ' . fnameescape($KIG_SNIPPET)
catch
  call add(s:result.errors, 'the snippet failed: ' . v:exception)
endtry

function! s:Run(timer) abort
  execute 'edit ' . fnameescape($KIG_FILE)
  let l:waited = 0
  while empty(ale#engine#GetLoclist(bufnr(''))) && l:waited < 60000
    sleep 50m
    let l:waited += 50
  endwhile
  if empty(ale#engine#GetLoclist(bufnr('')))
    call add(s:result.errors, 'no diagnostics within 60 s (filetype ' . &filetype . ')')
  endif
  for l:d in ale#engine#GetLoclist(bufnr(''))
    call add(s:result.diagnostics, {'line': l:d.lnum - 1, 'col': l:d.col - 1, 'message': l:d.text})
  endfor
  call writefile([json_encode(s:result)], $KIG_RESULT . '.tmp')
  call rename($KIG_RESULT . '.tmp', $KIG_RESULT)
  qa!
endfunction
call timer_start(100, function('s:Run'))
