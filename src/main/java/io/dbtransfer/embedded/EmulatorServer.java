package io.dbtransfer.embedded;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.wire.MongoDatabaseHandler;
import de.bwaldvogel.mongo.wire.MongoExceptionHandler;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * mongo-java-server's {@code MongoServer} with the emulator's own wire codec ({@link FaithfulWire},
 * {@link FaithfulBsonCodec}): the library's server puts its own codec, which loses or refuses
 * several BSON types, on every connection and offers no way to replace it. The backend and the
 * command handling are the library's; netty threads are daemon threads. With an {@link SslContext},
 * a netty {@code SslHandler} first in every connection's pipeline serves TLS.
 */
final class EmulatorServer {

    private final MongoBackend backend;
    private final SslContext ssl;
    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    private ChannelGroup channels;
    private Channel channel;

    EmulatorServer(MongoBackend backend) {
        this(backend, null);
    }

    /** A server whose connections start with a TLS handshake ({@code ssl}; null: plain TCP). */
    EmulatorServer(MongoBackend backend, SslContext ssl) {
        this.backend = backend;
        this.ssl = ssl;
    }

    /** Listens on {@code host:port} (0 for a free port). */
    void bind(String host, int port) {
        bossGroup = new NioEventLoopGroup(1, new DefaultThreadFactory("mongo-server-boss", true));
        workerGroup =
                new NioEventLoopGroup(0, new DefaultThreadFactory("mongo-server-worker", true));
        channels = new DefaultChannelGroup("mongo-emulator-channels", workerGroup.next());
        try {
            channel =
                    new ServerBootstrap()
                            .group(bossGroup, workerGroup)
                            .channel(NioServerSocketChannel.class)
                            .option(ChannelOption.SO_BACKLOG, 100)
                            .localAddress(new InetSocketAddress(host, port))
                            .childOption(ChannelOption.TCP_NODELAY, Boolean.TRUE)
                            .childHandler(
                                    new ChannelInitializer<SocketChannel>() {
                                        @Override
                                        public void initChannel(SocketChannel ch) {
                                            if (ssl != null) {
                                                ch.pipeline().addLast(ssl.newHandler(ch.alloc()));
                                            }
                                            ch.pipeline()
                                                    .addLast(new FaithfulWire.ReplyEncoder())
                                                    .addLast(new FaithfulWire.MessageEncoder())
                                                    .addLast(new FaithfulWire.RequestDecoder())
                                                    .addLast(
                                                            new MongoDatabaseHandler(
                                                                    backend, channels))
                                                    .addLast(new MongoExceptionHandler());
                                        }
                                    })
                            .bind()
                            .syncUninterruptibly()
                            .channel();
        } catch (RuntimeException e) {
            shutdownNow();
            throw e;
        }
    }

    /** The address it listens on, or null before {@link #bind}. */
    InetSocketAddress getLocalAddress() {
        return channel == null ? null : (InetSocketAddress) channel.localAddress();
    }

    /** Stops listening, closes every client connection and the backend; does not wait long. */
    void shutdownNow() {
        if (channel != null) {
            channel.close().syncUninterruptibly();
            channel = null;
        }
        if (channels != null) {
            channels.close().syncUninterruptibly();
        }
        for (EventLoopGroup g : new EventLoopGroup[] {bossGroup, workerGroup}) {
            if (g != null) {
                g.shutdownGracefully(0, 5, TimeUnit.SECONDS);
            }
        }
        for (EventLoopGroup g : new EventLoopGroup[] {bossGroup, workerGroup}) {
            if (g != null) {
                g.terminationFuture().syncUninterruptibly();
            }
        }
        backend.close();
    }
}
