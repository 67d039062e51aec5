(* mirage-net-xen from v2.1.4 on.

   Up to v2.1.7, Netif is the netfront itself (the library applies its
   functor to mirage-xen's xenstore client). From 87f3737 on, Netif only
   holds a functor, Make, which the caller applies to
   Xenstore.Make (Xen_os.Xs), as the library did before.

   One expression covers both: Compat.Make is Netif's own Make where there
   is one (the second include shadows the first, which OCaml allows for an
   included item), and otherwise a functor that ignores its argument and
   returns Netif. *)

module Compat = struct
  include (
    struct
      module Make (_ : sig end) = Netif
    end)

  include Netif
end

include Compat.Make (Xenstore.Make (Xen_os.Xs))
