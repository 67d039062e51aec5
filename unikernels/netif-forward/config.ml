(* netif-forward: the device under test of mir-perf on a Xen host.
   Two network devices; every frame received on the first is written to the
   second. The library under test (mirage-net-xen, which provides the netif
   devices on the Xen target) is pinned with `opam pin` before `make depend`
   by the build steps of cfg/xen.yaml; see README.md. *)

open Mirage

let main = main "Unikernel.Main" (time @-> network @-> network @-> job)

(* netif "0" is the first vif of the xl config (bridge if1), "1" the second
   (bridge if2). *)
let net_in = netif ~group:"in" "0"
let net_out = netif ~group:"out" "1"

let () = register "netif-forward" [ main $ default_time $ net_in $ net_out ]
