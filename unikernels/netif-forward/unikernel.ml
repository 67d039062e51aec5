(* Forwards every Ethernet frame received on the first network device out
   of the second, unchanged: one direction, as mir-perf measures it. The only
   copy is the blit into the transmit buffer the netif API hands us. Counters
   go to the console every second. *)

open Lwt.Infix

let src = Logs.Src.create "netif-forward" ~doc:"netif 0 -> netif 1 forwarder"

module Log = (val Logs.src_log src : Logs.LOG)

let ethernet_header = 14

module Main (Time : Mirage_time.S) (In : Mirage_net.S) (Out : Mirage_net.S) = struct
  let received = ref 0
  let forwarded = ref 0
  let failed = ref 0

  let rec report () =
    Time.sleep_ns 1_000_000_000L >>= fun () ->
    Log.info (fun m ->
        m "received %d forwarded %d failed %d" !received !forwarded !failed);
    report ()

  let forward out frame =
    incr received;
    let len = Cstruct.length frame in
    Out.write out ~size:len (fun dst ->
        Cstruct.blit frame 0 dst 0 len;
        len)
    >|= function
    | Ok () -> incr forwarded
    | Error e ->
        incr failed;
        Log.debug (fun m -> m "write failed: %a" Out.pp_error e)

  let start _time net_in net_out =
    Log.info (fun m -> m "forwarding netif 0 -> netif 1");
    Lwt.async report;
    In.listen net_in ~header_size:ethernet_header (forward net_out) >|= function
    | Ok () -> ()
    | Error e -> Log.err (fun m -> m "listen failed: %a" In.pp_error e)
end
