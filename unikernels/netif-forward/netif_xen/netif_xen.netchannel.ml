(* mirage-net-xen v2.1.0 to v2.1.3: Netif is the netfront itself. *)
include Netif
