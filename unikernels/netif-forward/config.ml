(* netif-forward: the device under test of mir-perf on a Xen host.

   Two network devices; every frame received on netif 0 is written to
   netif 1, and with the boot argument --two-way every frame received on
   netif 1 is written to netif 0 as well. The library under test
   (mirage-net-xen, which provides the netif devices on the Xen target) is
   pinned with `opam pin` before `make depend` by the build steps of
   cfg/xen.yaml; see README.md.

   Written for the mirage tool 4.9 and later (no `time` device: the
   unikernel sleeps with Mirage_sleep) and mirage-xen 9. *)

open Mirage

(* Why not Mirage.netif: its glue writes `Netif.connect "0"`, which only
   compiles while mirage-net-xen's Netif is a module. From 87f3737 ("merge
   backend and frontend") on it is a functor over a xenstore
   implementation, so the mirage tool's own netif device fails there. The
   local library netif_xen/ gives one module, Netif_xen, with the same
   interface for every mirage-net-xen from v2.1.0 on (see its dune file).
   The xl file `mirage configure` writes has no vif line as a result: the
   domain configs are cfg/xen/dut.cfg and cfg/xen-vm/. *)
let netif_xen dev =
  let packages = [ package ~min:"2.1.0" ~max:"3.0.0" "mirage-net-xen" ] in
  let connect _ modname _ = code ~pos:__POS__ "%s.connect %S" modname dev in
  impl ~packages ~connect "Netif_xen" network

(* netif "0" is the first vif of the xl config (bridge if1), "1" the second
   (bridge if2). *)
let net0 = netif_xen "0"
let net1 = netif_xen "1"
let main =
  main ~local_libs:[ "netif_xen" ] "Unikernel.Main" (network @-> network @-> job)

(* No random device: nothing here draws random numbers, and the default one
   (mirage-crypto-rng) is the largest dependency a unikernel would have. *)
let () = register ~random:no_random "netif-forward" [ main $ net0 $ net1 ]
