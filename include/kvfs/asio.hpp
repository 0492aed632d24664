// SPDX-License-Identifier: BSL-1.0
// kvfs/asio.hpp - kvfs and standalone Asio (no kernel counterpart: this is
// how a user-space program waits, where the kernel has wait queues): every
// descriptor is an Asio SyncReadStream/SyncWriteStream (stream.hpp), and
// async_stream makes any descriptor or table number an Asio
// AsyncReadStream/AsyncWriteStream (async_stream.hpp), async_datagram a
// datagram socket an Asio-style one with async_send_to/async_receive_from
// (async_datagram.hpp). The socket
// protocols that Asio backs are in <kvfs/net.hpp>.
#pragma once

#include <kvfs/asio/async_datagram.hpp>
#include <kvfs/asio/async_stream.hpp>
#include <kvfs/asio/stream.hpp>
