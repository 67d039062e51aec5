(* Forwards every Ethernet frame received on netif 0 out of netif 1,
   unchanged; with the boot argument --two-way, also every frame received
   on netif 1 out of netif 0 (TCP through the DUT needs its ACKs to come
   back). The only copy is the blit into the transmit buffer the netif API
   hands us. Counters go to the console every second, one line in a fixed
   format that mir-perf reads (README.md, "The console"). *)

open Lwt.Infix

let src = Logs.Src.create "netif-forward" ~doc:"netif 0 <-> netif 1 forwarder"

module Log = (val Logs.src_log src : Logs.LOG)

(* The boot argument: the xl config's `cmdline` (or `extra`), e.g.
   cmdline = "--two-way". *)
let two_way =
  let doc =
    Cmdliner.Arg.info [ "two-way" ]
      ~doc:
        "Forward netif 1 to netif 0 as well. Without it, frames received on \
         netif 1 are counted and dropped."
  in
  Mirage_runtime.register_arg Cmdliner.Arg.(value & flag doc)

let ethernet_header = 14

(* Counters of one direction since boot. A frame is [received] when the
   listener hands it to us, [forwarded] when the write on the other device
   returned Ok, [failed] when it returned an error; received - forwarded -
   failed frames are waiting in a write (for a free transmit slot). *)
type counters = {
  mutable received : int;
  mutable forwarded : int;
  mutable failed : int;
}

let counters () = { received = 0; forwarded = 0; failed = 0 }

module Main (Net0 : Mirage_net.S) (Net1 : Mirage_net.S) = struct
  let c01 = counters () (* netif 0 -> netif 1 *)
  let c10 = counters () (* netif 1 -> netif 0; [received] only, one-way *)

  (* The monotonic clock counts from the host's boot on Xen: t counts from
     here, before the devices connect. *)
  let t0 = Mirage_mtime.elapsed_ns ()

  (* The console line. Keep its format: it is documented in README.md and
     parsed by mir-perf. *)
  let print_counters mode =
    let t = Int64.to_float (Int64.sub (Mirage_mtime.elapsed_ns ()) t0) /. 1e9 in
    Printf.printf
      "netif-forward: t=%.3f mode=%s rx0=%d fwd0to1=%d fail0to1=%d rx1=%d \
       fwd1to0=%d fail1to0=%d\n\
       %!"
      t mode c01.received c01.forwarded c01.failed c10.received c10.forwarded
      c10.failed

  let rec report mode =
    Mirage_sleep.ns 1_000_000_000L >>= fun () ->
    print_counters mode;
    report mode

  (* [write] is the other device's write, [pp_error] its errors. *)
  let forward ~dir write pp_error c frame =
    c.received <- c.received + 1;
    let len = Cstruct.length frame in
    write ~size:len (fun dst ->
        Cstruct.blit frame 0 dst 0 len;
        len)
    >|= function
    | Ok () -> c.forwarded <- c.forwarded + 1
    | Error e ->
        c.failed <- c.failed + 1;
        if c.failed = 1 then
          Log.warn (fun m -> m "%s: first write error: %a" dir pp_error e)

  let drop c _frame =
    c.received <- c.received + 1;
    Lwt.return_unit

  let listen name listen pp_error =
    listen >|= function
    | Ok () -> Log.info (fun m -> m "%s: listen returned" name)
    | Error e -> Log.err (fun m -> m "%s: listen failed: %a" name pp_error e)

  let start net0 net1 =
    let two_way = two_way () in
    let mode = if two_way then "two-way" else "one-way" in
    Log.info (fun m ->
        m "forwarding netif 0 -> netif 1%s (mtu %d, %d)"
          (if two_way then " and netif 1 -> netif 0" else "")
          (Net0.mtu net0) (Net1.mtu net1));
    print_counters mode;
    Lwt.async (fun () -> report mode);
    let from0 =
      Net0.listen net0 ~header_size:ethernet_header
        (forward ~dir:"0->1" (Net1.write net1) Net1.pp_error c01)
    in
    (* netif 1 is listened on in both modes. mirage-net-xen (v2.1.0 to
       v2.1.8 and 050aed3 at least) takes transmit responses off the ring,
       and so frees transmit slots, only in the receive path that `listen`
       runs; `write` queues a request and, once the ring is full, waits for
       a slot. A device that is written to but never listened on therefore
       forwards one ring (256 frames) and then waits for ever. In one-way
       mode what netif 1 receives is counted (rx1) and dropped. *)
    let from1 =
      Net1.listen net1 ~header_size:ethernet_header
        (if two_way then
           forward ~dir:"1->0" (Net0.write net0) Net0.pp_error c10
         else drop c10)
    in
    Lwt.join
      [ listen "netif 0" from0 Net0.pp_error; listen "netif 1" from1 Net1.pp_error ]
end
