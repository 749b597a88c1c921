/**
 * IMAP proxy: server side, upstream client, session, FETCH rewriting and mailbox sync.
 *
 * <p>This module does not depend on {@code crypto}; it defines its own small SPI that {@code proxy-server}
 * implements (see DESIGN.md, "Modules").
 */
package org.mailseal.imap;
