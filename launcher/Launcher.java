import java.nio.file.Path;
import java.util.Map;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.QueryExecutionException;
import org.neo4j.io.ByteUnit;

/**
 * Runs Neo4j Community as a standalone server with only the Bolt connector, bound to loopback.
 *
 * Usage: java Launcher HOME_DIR BOLT_PORT. The password of the `neo4j` user is read from the
 * environment variable NEO4J_LAUNCHER_PASSWORD (never from argv, which other users can see).
 * Prints "READY bolt://127.0.0.1:PORT" once the database accepts work; stops cleanly on SIGTERM.
 */
public final class Launcher {
    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: Launcher HOME_DIR BOLT_PORT");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        int port = Integer.parseInt(args[1]);
        String password = System.getenv("NEO4J_LAUNCHER_PASSWORD");
        if (password == null || password.length() < 8) {
            System.err.println("NEO4J_LAUNCHER_PASSWORD must be set (8 characters or more)");
            System.exit(2);
        }
        long pageCacheMb = Long.parseLong(System.getenv().getOrDefault("NEO4J_LAUNCHER_PAGECACHE_MB", "256"));
        try {
            start(home, port, password, pageCacheMb);
        } catch (RuntimeException e) {
            // Neo4j's own threads would keep a half-started JVM alive: fail loudly instead.
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void start(Path home, int port, String password, long pageCacheMb) {
        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
                .setConfig(HttpConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pageCacheMb))
                // Bolt's Netty event loops otherwise wait for 5 quiet seconds each (twice) after the
                // databases have stopped and every connection is closed: 10 s of every stop spent idle.
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                .build();
        Runtime.getRuntime().addShutdownHook(new Thread(dbms::shutdown, "neo4j-shutdown"));

        // The embedded API runs with full rights on the system database, so it can set the
        // password that the registry generated for this state folder (idempotent at every start).
        try {
            dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED",
                    Map.of("password", password));
        } catch (QueryExecutionException e) {
            if (!String.valueOf(e.getMessage()).contains("cannot be the same")) {
                throw e;
            }
        }
        dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME).executeTransactionally("RETURN 1");
        System.out.println("READY bolt://127.0.0.1:" + port);
        System.out.flush();
    }
}
