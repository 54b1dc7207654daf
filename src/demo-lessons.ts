/** Lessons of the embedded default's demo courses (src/bootstrap.ts seedDemoData), by course slug. The first of each is a preview. */
import type { NewLesson } from './learning/types.ts';

const text = (title: string, durationS: number, bodyMarkdown: string, isPreview = false): NewLesson => ({
  title,
  kind: 'text',
  bodyMarkdown,
  durationS,
  isPreview,
});

export const DEMO_LESSONS: Record<string, NewLesson[]> = {
  'intro-to-linux': [
    text(
      'Welcome: what the shell is for',
      300,
      `# Welcome

The shell is a program that reads the commands you type and runs them. Everything in
this course works in any Linux terminal, or in WSL on Windows.

Open a terminal and type:

\`\`\`sh
echo "hello, $USER"
\`\`\`

You should see a greeting with your user name. **That is your first command.**`,
      true,
    ),
    text(
      'Files and directories',
      900,
      `# Files and directories

| command | what it does |
|---|---|
| \`pwd\` | print the directory you are in |
| \`ls -l\` | list files, with sizes and permissions |
| \`cd /tmp\` | change directory |
| \`mkdir notes\` | make a directory |

Try it: make a directory called \`notes\`, go into it, and create an empty file with \`touch todo.txt\`.`,
    ),
    text(
      'Processes',
      900,
      `# Processes

Every running program is a *process* with a number, its PID.

- \`ps aux\` lists them all
- \`top\` shows them live (press \`q\` to leave)
- \`kill PID\` asks one to stop

> A process you started in the foreground stops with **Ctrl+C**.`,
    ),
    text(
      'Permissions',
      1200,
      `# Permissions

\`ls -l\` shows permissions as \`rwxr-x---\`: read, write and execute, for the owner, the group
and everyone else. \`chmod u+x script.sh\` lets you run your own script.

Read more in the manual: \`man chmod\`, or [the GNU coreutils manual](https://www.gnu.org/software/coreutils/manual/).`,
    ),
  ],
  'networking-fundamentals': [
    text(
      'How a packet finds its way',
      600,
      `# How a packet finds its way

An IP packet carries a source and a destination address. Each router on the way looks at the
destination and sends the packet one hop closer. \`traceroute example.com\` shows the hops.`,
      true,
    ),
    text(
      'DNS in ten minutes',
      600,
      `# DNS in ten minutes

Names become addresses through DNS. Ask for yourself:

\`\`\`sh
dig +short example.com A
\`\`\`

Resolvers cache answers for as long as the record's TTL says.`,
    ),
    text(
      'TCP: the three-way handshake',
      480,
      `# The three-way handshake

Before any data flows, TCP opens a connection in three steps: **SYN**, **SYN-ACK**, **ACK**.
Watch it happen with \`sudo tcpdump -n 'tcp[tcpflags] & (tcp-syn) != 0'\` while you open a web page.`,
    ),
  ],
  'cloud-engineering-aws': [
    text(
      'Regions, zones and the shared responsibility model',
      600,
      `# Regions and zones

A *region* is a geographic area; each has several *availability zones*, separate data centres.
Spread what must stay up across zones. AWS secures the cloud; **you** secure what you put in it.`,
      true,
    ),
    text(
      'IAM: users, roles and policies',
      1200,
      `# IAM

Give every person and program only the permissions it needs. Prefer **roles** (temporary
credentials) to long-lived access keys, and turn on MFA for every human.`,
    ),
    text(
      'Infrastructure as code',
      1500,
      `# Infrastructure as code

Describe servers, networks and permissions in files kept in git, and let a tool create them.
A change is then a reviewed pull request, and a lost environment is one command away.`,
    ),
  ],
};
