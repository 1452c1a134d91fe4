//! Generates the SDK's gRPC server traits from the `.proto` files the
//! `agones` crate ships (copied verbatim into `proto/`; `scripts/agones-test`
//! checks they still match the crate's), only with the `stub` feature.

fn main() {
    println!("cargo::rerun-if-changed=proto");
    #[cfg(feature = "stub")]
    tonic_build::configure()
        .build_client(false)
        .build_server(true)
        .compile_protos(
            &["proto/sdk/sdk.proto", "proto/sdk/beta/beta.proto"],
            &["proto/googleapis", "proto/grpc-gateway", "proto/sdk"],
        )
        .expect("cannot compile the Agones SDK's .proto files (is protoc installed? scripts/agones-test installs it)");
}
