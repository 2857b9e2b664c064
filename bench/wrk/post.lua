-- POST of a ~1 KiB admin reply body (exactly BODY_BYTES bytes of JSON).
--   BENCH_PATH              fixed path (the ceiling's /echo), or
--   BENCH_CONVERSATION_IDS  file with one conversation id a line: POST /conversations/{id}/reply,
--                           each wrk thread walking its own stride of the list round-robin
--   BENCH_THREADS           the -t value (for the stride)
--   BENCH_TOKEN, BENCH_ADMIN_ID
--   BENCH_DELAY_MS          optional: each connection waits this long between requests (a paced,
--                           open-ended load like a workspace's live traffic, instead of saturation)
dofile("bench/wrk/report.lua")

local BODY_BYTES = 1024
local admin = os.getenv("BENCH_ADMIN_ID") or "0"
local prefix = '{"message_type":"comment","type":"admin","admin_id":"' .. admin .. '","body":"'
local suffix = '"}'
local sentence = "Thanks for the details, I have looked into your account and the order is on its way. "
local text = string.rep(sentence, 20):sub(1, BODY_BYTES - #prefix - #suffix)
local body = prefix .. text .. suffix

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_TOKEN") or "")

local ids = {}
local file = os.getenv("BENCH_CONVERSATION_IDS")
if file and #file > 0 then
  for line in io.lines(file) do
    if #line > 0 then ids[#ids + 1] = line end
  end
else
  wrk.path = os.getenv("BENCH_PATH") or "/echo"
end

local next_thread = 0
function setup(thread)
  thread:set("thread_index", next_thread)
  next_thread = next_thread + 1
end

local stride = tonumber(os.getenv("BENCH_THREADS") or "1")
local position
function request()
  if #ids == 0 then
    return wrk.format()
  end
  position = (position or thread_index) + stride
  local id = ids[(position % #ids) + 1]
  return wrk.format(nil, "/conversations/" .. id .. "/reply")
end

local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "")
if pause and pause > 0 then
  function delay()
    return pause
  end
end
