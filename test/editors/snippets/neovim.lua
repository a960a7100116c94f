-- Runs the README's Neovim 0.7-0.10 snippet ($KIG_SNIPPET) as a user's init.lua would, opens the seed manifest below
-- the editor's root and writes the diagnostics Neovim shows to $KIG_RESULT (0-based lines, byte columns).
local result = { client = 'Neovim ' .. tostring(vim.version().major) .. '.' .. tostring(vim.version().minor), diagnostics = {}, errors = {} }
vim.cmd('filetype on')
local ok, err = pcall(vim.cmd, 'luafile ' .. vim.fn.fnameescape(vim.env.KIG_SNIPPET))
if not ok then table.insert(result.errors, 'the snippet failed: ' .. tostring(err)) end
vim.cmd('edit ' .. vim.fn.fnameescape(vim.env.KIG_FILE))
local buf = vim.api.nvim_get_current_buf()
if not vim.wait(60000, function() return #vim.diagnostic.get(buf) > 0 end, 50) then
  table.insert(result.errors, 'no diagnostics within 60 s (filetype ' .. vim.bo.filetype .. ', ' .. #vim.lsp.get_active_clients() .. ' client(s))')
end
for _, d in ipairs(vim.diagnostic.get(buf)) do
  table.insert(result.diagnostics, { line = d.lnum, col = d.col, message = d.message })
end
local tmp = vim.env.KIG_RESULT .. '.tmp'
local f = assert(io.open(tmp, 'w'))
f:write(vim.fn.json_encode(result))
f:close()
os.rename(tmp, vim.env.KIG_RESULT)
vim.cmd('qa!')
