-- wrk script: POST one small job per request to the enqueue endpoint, as a webhook receiver would.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, '{"name":"bench","data":{"i":' .. n .. '}}')
end
