module notifications.local/clients/go

go 1.19

// Every requirement is satisfied offline from Debian's packaged Go sources under
// /usr/share/gocode/src: ./vendor.sh links them into vendor/ and writes vendor/modules.txt from
// this list, so build with GOFLAGS=-mod=vendor. The versions are those of the Debian packages
// (bookworm); change them here and re-run ./vendor.sh if the packages change.
require (
	google.golang.org/genproto v0.0.0-20200413115906-b5235f65be36
	google.golang.org/grpc v1.33.3
	google.golang.org/protobuf v1.28.1
)

require (
	github.com/golang/protobuf v1.5.2 // indirect
	golang.org/x/net v0.7.0 // indirect
	golang.org/x/sys v0.3.0 // indirect
	golang.org/x/text v0.7.0 // indirect
)
