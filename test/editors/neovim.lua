-- Drives Neovim's built-in LSP client (0.7's API: vim.lsp.start_client and buf_attach_client, which later releases
-- keep) against the Kube IP Guard server, the way a user's configuration would, and writes what Neovim saw to the JSON
-- file $KIG_RESULT. Positions are reported as Neovim holds them: 0-based lines, byte columns.
local dir, files, server, out = vim.env.KIG_DIR, vim.env.KIG_FILES, vim.env.KIG_SERVER, vim.env.KIG_RESULT
local BOUND = 30000
local v = vim.version()
local result = {
  client = 'Neovim',
  version = string.format('%d.%d.%d', v.major, v.minor, v.patch),
  files = {},
  errors = {},
  afterConfigMoved = -1,
  afterConfigRestored = -1,
}

local function fail(msg) table.insert(result.errors, msg) end

local client_id = vim.lsp.start_client({
  name = 'kube_ip_guard',
  cmd = { 'node', server, '--stdio' },
  root_dir = dir,
  settings = { kubeIpGuard = { cluster = { mode = 'off' } } },
})
local client = vim.lsp.get_client_by_id(client_id)
local ns = vim.lsp.diagnostic.get_namespace(client_id)

local function ours(bufnr)
  local list = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr, { namespace = ns })) do
    table.insert(list, { line = d.lnum, col = d.col, endLine = d.end_lnum, endCol = d.end_col, message = d.message })
  end
  return list
end

local function wait_count(bufnr, n, what)
  if not vim.wait(BOUND, function() return #ours(bufnr) == n end, 50) then
    fail(string.format('%s: %d diagnostics after %d ms, not %d', what, #ours(bufnr), BOUND, n))
  end
  return #ours(bufnr)
end

local function request(bufnr, method, params)
  local res, err = vim.lsp.buf_request_sync(bufnr, method, params, BOUND)
  if not res then fail(method .. ': ' .. tostring(err)); return nil end
  local r = res[client_id]
  if not r then fail(method .. ': no answer'); return nil end
  if r.err then fail(method .. ': ' .. vim.inspect(r.err)); return nil end
  return r.result
end

local function text_of(bufnr)
  return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n') .. '\n'
end

local function write_file(path, text)
  local f = assert(io.open(path, 'w'))
  f:write(text)
  f:close()
end

local function check(name, config_test)
  vim.cmd('edit ' .. vim.fn.fnameescape(files .. '/' .. name))
  local bufnr = vim.api.nvim_get_current_buf()
  vim.bo[bufnr].filetype = 'yaml'
  vim.lsp.buf_attach_client(bufnr, client_id)
  local r = { diagnostics = {}, hover = '', actions = {}, fixedText = '', diagnosticsAfterFix = -1 }
  result.files[name] = r
  wait_count(bufnr, 1, name .. ' opened')
  r.diagnostics = ours(bufnr)
  local d = r.diagnostics[1]
  if not d then return end

  vim.api.nvim_win_set_cursor(0, { d.line + 1, d.col })
  local hover = request(bufnr, 'textDocument/hover', vim.lsp.util.make_position_params())
  if hover then
    local c = hover.contents
    if type(c) == 'table' and c.value then r.hover, r.hoverKind = c.value, c.kind
    elseif type(c) == 'string' then r.hover = c
    else r.hover = vim.inspect(c) end
  end

  if config_test then
    local config_path = files .. '/.kube-ip-guard.yaml'
    write_file(config_path, vim.env.KIG_MOVED_CONFIG)
    result.afterConfigMoved = wait_count(bufnr, 0, 'config moved k8s-node-1')
    write_file(config_path, vim.env.KIG_CONFIG)
    result.afterConfigRestored = wait_count(bufnr, 1, 'config restored')
    vim.api.nvim_win_set_cursor(0, { d.line + 1, d.col })
  end

  -- What vim.lsp.buf.code_action() sends in 0.7: the range under the cursor and the line's diagnostics as Neovim holds
  -- them (byte columns, whatever the encoding), then what it does with the chosen action.
  local params = vim.lsp.util.make_range_params()
  params.context = { diagnostics = vim.lsp.diagnostic.get_line_diagnostics(bufnr) }
  local actions = request(bufnr, 'textDocument/codeAction', params) or {}
  local chosen
  for _, a in ipairs(actions) do
    table.insert(r.actions, a.title)
    if a.title:sub(1, 19) == 'Remove this address' then chosen = a end
  end
  if not chosen then fail(name .. ': no "Remove this address"'); return end
  if not chosen.edit and not chosen.command then
    chosen = request(bufnr, 'codeAction/resolve', chosen) or chosen
  end
  if chosen.edit then vim.lsp.util.apply_workspace_edit(chosen.edit, client.offset_encoding) end
  if chosen.command then
    local cmd = type(chosen.command) == 'table' and chosen.command or chosen
    request(bufnr, 'workspace/executeCommand', { command = cmd.command, arguments = cmd.arguments })
  end
  r.fixedText = text_of(bufnr)
  r.diagnosticsAfterFix = wait_count(bufnr, 0, name .. ' fixed')
end

local ok, err = pcall(function()
  if not vim.wait(BOUND, function() return client.initialized end, 50) then fail('the server did not initialize') end
  result.encoding = client.offset_encoding
  check('deployment.yaml', true)
  check('multibyte.yaml', false)
end)
if not ok then fail(tostring(err)) end
client.stop()
vim.wait(5000, function() return client.is_stopped() end, 50)
write_file(out .. '.part', vim.fn.json_encode(result))
os.rename(out .. '.part', out)
vim.cmd('qa!')
